"""The mailbox frame's policy lets our own brand logo show (every transactional email's header has it) and
nothing else remote."""

from tandem.mail.srcdoc import policy, sandboxed_html


def test_the_frame_allows_images_from_the_brand_logo_folder_of_site_url(settings):
    settings.SITE_URL = "https://crm.example.com"

    assert policy() == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data: https://crm.example.com/brand/logo/; "
        "font-src data:; form-action 'none'"
    )
    assert sandboxed_html("<p>Hi</p>").startswith(
        '<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data: https://crm.example.com/brand/logo/;"
    )


def test_a_site_url_that_cannot_be_a_source_allows_data_images_only(settings):
    settings.SITE_URL = 'https://crm.example.com"; img-src *'

    assert "img-src data:;" in policy()
