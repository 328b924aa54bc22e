"""The words the demo company is made of: names, industries, countries, sources, job titles.

Plain data, no logic. Domains use the reserved `.example` top-level domain (RFC 2606) so that no demo
address can ever reach a real mailbox, whatever mail settings the demo runs with.
"""

FIRST_NAMES = (  # noqa: SIM905 (a word list reads better as text)
    "Aaliyah Adam Adrian Aisha Alex Alice Amara Amelia Ana Andrea Andrew Anna Arjun Astrid Ben Bianca Camille "
    "Carlos Caroline Chen Chloe Chris Claire Daniel David Diego Elena Eli Emma Erik Ethan Eva Fatima Felix "
    "Fiona Florian Freya Gabriel Grace Hana Hannah Hugo Ines Isaac Isabel Ivan Jack Jakob James Jana Javier "
    "Jin Johan Jonas Jordan Julia Julien Kai Karin Kenji Laila Lars Laura Leo Lena Liam Lina Lucas Lucia "
    "Luis Maya Marco Maria Mark Marta Mateo Max Mei Mia Michael Miguel Mila Nadia Naomi Nathan Nina Noah "
    "Nora Olivia Omar Oscar Paul Pedro Priya Rafael Rahul Rosa Ruby Ryan Sam Sara Sebastian Sofia Sophie "
    "Stefan Tariq Theo Thomas Tom Valentina Victor Yara Yusuf Zoe"
).split()

LAST_NAMES = (  # noqa: SIM905 (a word list reads better as text)
    "Abbott Adeyemi Alvarez Andersen Bauer Becker Bennett Berg Bianchi Brooks Campbell Carter Castillo Chen "
    "Clarke Costa Cruz Dahl Dubois Duarte Edwards Eriksson Evans Fernandez Fischer Fontaine Garcia Gomez "
    "Gonzalez Gupta Hahn Hall Hansen Hart Hayes Hoffmann Holm Hughes Ibrahim Ito Jansen Jensen Johansson "
    "Johnson Kaur Keller Kim Klein Koch Kowalski Kumar Lambert Larsen Laurent Lee Lindqvist Lopez Martin "
    "Meyer Miller Moreau Morgan Murphy Nakamura Navarro Nguyen Nielsen Novak Okafor Olsen Ortiz Park Patel "
    "Perez Petersen Petit Quinn Ramirez Reyes Ricci Rivera Roberts Romano Rossi Russo Sanchez Sato Schmidt "
    "Schneider Schulz Shah Silva Singh Smith Sorensen Suzuki Tanaka Taylor Thomas Torres Turner Vargas "
    "Vogel Wagner Walker Weber Wilson Wong Wright Yamamoto Young Zhang Ziegler"
).split()

COMPANY_FIRST_WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "Apex Arbor Atlas Aurora Beacon Birch Blue Bright Cedar Clear Cobalt Copper Crest Delta Echo Ember "
    "Evergreen Falcon Fern First Fox Granite Harbor Helix Horizon Iron Juniper Keystone Lark Lumen Maple "
    "Meridian Metro Nimbus North Nova Oak Orbit Pacific Peak Pine Pioneer Prairie Quarry Quartz Red River "
    "Sage Silver Sky Spruce Stone Summit Swift Terra Tidal True Union Vector Vista Willow Zenith"
).split()

COMPANY_SECOND_WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "Analytics Bank Bio Brands Cloud Commerce Consulting Data Dynamics Energy Foods Freight Games Health "
    "Insurance Labs Learning Logistics Media Medical Mobility Networks Pharma Retail Robotics Security "
    "Software Solar Studios Systems Telecom Travel Ventures Works"
).split()

COMPANY_SUFFIXES = ("", "", "", "Inc", "Group", "Ltd", "GmbH", "Partners", "Co")

# (industry, weight): the demo company sells analytics software, so tech and services lead.
INDUSTRIES = (
    ("Software", 18),
    ("Financial services", 10),
    ("Retail", 9),
    ("Healthcare", 8),
    ("Manufacturing", 8),
    ("Logistics", 7),
    ("Education", 5),
    ("Media", 5),
    ("Telecommunications", 4),
    ("Energy", 4),
    ("Consulting", 6),
    ("Travel and hospitality", 4),
    ("Non-profit", 3),
    ("Government", 2),
    ("Real estate", 3),
    ("Insurance", 4),
)

# (size, weight): mid-sized companies dominate the customer base of a B2B SaaS.
COMPANY_SIZES = (("1-9", 12), ("10-49", 30), ("50-249", 32), ("250-999", 17), ("1000+", 9))

# (ISO code, weight, sales team): the two sales teams split the world by time zone.
COUNTRIES = (
    ("US", 34, "Sales West"),
    ("GB", 11, "Sales East"),
    ("DE", 9, "Sales East"),
    ("CA", 6, "Sales West"),
    ("FR", 5, "Sales East"),
    ("NL", 4, "Sales East"),
    ("AU", 4, "Sales West"),
    ("ES", 3, "Sales East"),
    ("SE", 3, "Sales East"),
    ("IE", 2, "Sales East"),
    ("IT", 3, "Sales East"),
    ("CH", 2, "Sales East"),
    ("DK", 2, "Sales East"),
    ("NO", 1, "Sales East"),
    ("PL", 2, "Sales East"),
    ("IN", 3, "Sales East"),
    ("SG", 2, "Sales West"),
    ("JP", 2, "Sales West"),
    ("BR", 2, "Sales West"),
    ("MX", 1, "Sales West"),
)

FREE_MAIL_DOMAINS = ("mail.example", "inbox.example", "post.example")

JOB_TITLES = {
    "junior": (
        "Data Analyst",
        "Marketing Coordinator",
        "Business Analyst",
        "Software Engineer",
        "Operations Associate",
        "Sales Development Representative",
    ),
    "manager": (
        "Marketing Manager",
        "Analytics Manager",
        "Product Manager",
        "Operations Manager",
        "Finance Manager",
        "Engineering Manager",
        "Head of Growth",
    ),
    "executive": (
        "VP of Marketing",
        "VP of Engineering",
        "Chief Data Officer",
        "CFO",
        "COO",
        "CTO",
        "Director of Analytics",
        "Director of Operations",
    ),
}

# (source, medium, campaign, referrer, landing page, weight): the first touch of a contact.
SOURCES = (
    ("google", "organic", "", "https://www.google.com/", "/blog/dashboards-that-get-used", 26),
    (
        "linkedin",
        "paid_social",
        "q-pipeline-analytics",
        "https://www.linkedin.com/",
        "/lp/pipeline-analytics",
        14,
    ),
    ("webinar", "webinar", "forecasting-webinar", "", "/webinars/forecasting-101", 12),
    ("partner", "referral", "", "https://partners.example/northwind", "/partners", 9),
    ("events", "event", "data-summit", "", "/events/data-summit", 8),
    ("direct", "none", "", "", "/", 11),
    ("newsletter", "email", "monthly-digest", "", "/newsletter", 8),
    ("google", "cpc", "brand-search", "https://www.google.com/", "/pricing", 7),
    ("g2", "review_site", "", "https://www.g2.example/products/northwind", "/compare", 5),
)

TAGS = (
    "newsletter",
    "webinar-attendee",
    "trade-show",
    "trial",
    "decision-maker",
    "champion",
    "partner",
    "beta-program",
    "churn-risk",
    "event-data-summit",
)

PAGES = (
    "/",
    "/pricing",
    "/product/dashboards",
    "/product/forecasting",
    "/product/data-pipelines",
    "/customers",
    "/blog/dashboards-that-get-used",
    "/blog/metrics-that-matter",
    "/docs/getting-started",
    "/security",
    "/integrations",
    "/compare",
)

NEWSLETTER_SUBJECTS = (
    "Five dashboards our customers open every morning",
    "Forecasting without a data team",
    "What's new in Northwind: alerts, embeds and faster pipelines",
    "Your guide to a metrics review that people attend",
    "Invitation: Forecasting 101, live",
    "Case study: how a logistics firm cut reporting time in half",
)

CALL_NOTES = (
    "Discovery call: reporting is spreadsheet-based today, wants weekly dashboards for leadership.",
    "Follow-up call: walked through data pipelines; needs the Snowflake connector.",
    "Left a voicemail and sent the pricing sheet.",
    "Pricing call: asked about annual billing and seat minimums.",
    "Check-in: the team is evaluating two other vendors this quarter.",
)
MEETING_NOTES = (
    "Demo for the analytics team (4 attendees). Interested in forecasting and alerts.",
    "Technical deep dive with IT: SSO, data residency in the EU, audit log.",
    "Quarterly business review: usage up, asked for embedded dashboards.",
    "Onboarding kickoff: connected the first two data sources.",
)
PLAIN_NOTES = (
    "Prefers email over calls. Budget decision expected next quarter.",
    "Champion inside the account; introduces us to the CFO next month.",
    "Asked for a security questionnaire; sent our standard answers.",
    "Renewal conversation to start 90 days ahead.",
    "Met at the Data Summit booth; wants a trial for the finance team.",
)

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",  # noqa: E501
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
)
