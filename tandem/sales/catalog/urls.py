from tandem.core.records.urls import patterns
from tandem.sales.catalog.records import PRODUCT

app_name = "catalog"
urlpatterns = patterns(PRODUCT)
