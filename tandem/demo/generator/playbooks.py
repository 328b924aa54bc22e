"""The demo company's sales playbooks: the objections Northwind Analytics' reps hear, the answers that work,
battle cards for its three competitors, and a year of reps marking which answers helped.

Small and hand-written (the words are the point), written through the ORM so the search index's triggers fill
the index as in the app. Deterministic: the text is fixed and the answer uses come from the step's own stream.
"""

import datetime

from tandem.core.models import Role
from tandem.demo.generator.context import GeneratorContext
from tandem.sales.playbooks import semantic
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection

# (objection as buyers say it, category, tags, [(answer, proof points, resources)])
OBJECTIONS = [
    (
        "It's too expensive for a team our size",
        "price",
        ["budget", "small team"],
        [
            (
                "Compared with what? Count the hours your analysts spend stitching spreadsheets every month: at "
                "two days a month, Northwind pays for itself in the first quarter.",
                "Customers save 9 hours per analyst per week (2026 customer survey)\nPayback in 11 weeks on average",
                ["https://northwind.example/roi-calculator"],
            ),
            (
                "Start with the Starter plan for one team and move up when the forecasts prove themselves. "
                "Nothing to migrate when you grow.",
                "40% of Enterprise customers started on Starter",
                [],
            ),
        ],
    ),
    (
        "Your price is higher than the alternatives",
        "price",
        ["competitor", "discount"],
        [
            (
                "The list price is higher; the total cost is lower. Connectors, hosting and support are included, "
                "where others charge for each.",
                "Three-year total cost 23% below Brightlytics for a 50-seat team",
                ["https://northwind.example/compare/total-cost"],
            ),
            (
                "If the yearly budget is the issue, pay yearly and save two months.",
                "",
                [],
            ),
        ],
    ),
    (
        "We don't have budget until next year",
        "timing",
        ["budget", "fiscal year"],
        [
            (
                "Let's run the pilot now on your data and sign when the new budget opens. You walk into the "
                "budget meeting with your own numbers, not ours.",
                "Pilots convert to paid 7 times out of 10",
                [],
            ),
        ],
    ),
    (
        "Now is not a good time, we're in the middle of a reorganisation",
        "timing",
        ["reorg", "later"],
        [
            (
                "A reorganisation is when leaders most need a single view of the numbers. Onboarding takes two "
                "weeks and one analyst's time.",
                "Median time to first dashboard: 6 working days",
                [],
            ),
            (
                "Understood. When do the new teams settle? I'll put a date in both our calendars.",
                "",
                [],
            ),
        ],
    ),
    (
        "We're happy with our current spreadsheets",
        "competitor",
        ["excel", "status quo"],
        [
            (
                "Spreadsheets are great until two people edit the forecast. Keep Excel for analysis: Northwind "
                "exports to it, and the numbers stay the same for everyone.",
                "Finance teams report 60% fewer version conflicts",
                ["https://northwind.example/excel"],
            ),
        ],
    ),
    (
        "We already use Brightlytics",
        "competitor",
        ["brightlytics", "switching"],
        [
            (
                "Many of our customers did too. They switched for the forecasting: Brightlytics reports the "
                "past, Northwind predicts the quarter.",
                "Forecast accuracy within 4% at 90 days",
                ["https://northwind.example/compare/brightlytics"],
            ),
            (
                "Switching takes a week: we import your Brightlytics dashboards and rebuild them with you.",
                "",
                [],
            ),
        ],
    ),
    (
        "Switching tools is too much work",
        "competitor",
        ["switching", "migration"],
        [
            (
                "Our team does the migration with you, at no cost, and runs both side by side for a month so "
                "nothing is lost.",
                "Free migration on every yearly plan",
                [],
            ),
        ],
    ),
    (
        "It doesn't connect to our ERP",
        "feature",
        ["integration", "erp", "connectors"],
        [
            (
                "We connect to SAP, NetSuite, Dynamics and Odoo out of the box, and to anything with an SQL "
                "database or a CSV export.",
                "120 connectors maintained by our team",
                ["https://northwind.example/connectors"],
            ),
        ],
    ),
    (
        "We need a mobile app",
        "feature",
        ["mobile", "phone"],
        [
            (
                "Every dashboard works on a phone's browser, and the weekly forecast email reads well on one. "
                "A native app is on the roadmap for next year.",
                "",
                [],
            ),
        ],
    ),
    (
        "Can it handle our data volume?",
        "feature",
        ["scale", "performance"],
        [
            (
                "Our largest customer forecasts over 2 billion transaction rows a night; dashboards answer in "
                "under a second.",
                "99.95% uptime over the last twelve months",
                [],
            ),
        ],
    ),
    (
        "Is our data safe with you?",
        "trust",
        ["security", "gdpr", "privacy"],
        [
            (
                "Your data is encrypted in transit and at rest, hosted in the EU, and never used to train "
                "anything. We are ISO 27001 certified and sign your DPA.",
                "ISO 27001 certified since 2023\nEU hosting (Frankfurt, Dublin)",
                ["https://northwind.example/security"],
            ),
            (
                "Send me your security questionnaire: our team answers it within a week.",
                "",
                [],
            ),
        ],
    ),
    (
        "You're a small company, will you still be around in five years?",
        "trust",
        ["vendor risk", "references"],
        [
            (
                "We have been profitable for four years and serve 600 companies. Your data is exportable at any "
                "time, in open formats.",
                "600 customers, 96% yearly retention",
                [],
            ),
            (
                "Talk to two of our customers in your industry; I'll set up the calls this week.",
                "",
                [],
            ),
        ],
    ),
    (
        "We need to involve IT and legal first",
        "timing",
        ["procurement", "approval"],
        [
            (
                "Of course. Here is our security pack and standard contract; shall we book 30 minutes with IT "
                "next week so their questions are answered directly?",
                "Average security review: 9 days",
                ["https://northwind.example/security"],
            ),
        ],
    ),
    (
        "Our team won't adopt another tool",
        "feature",
        ["adoption", "training"],
        [
            (
                "Northwind sends the numbers to where people already work: email, Slack and Teams. Most users "
                "never log in, they just read the forecast.",
                "78% of users read their weekly digest",
                [],
            ),
        ],
    ),
    (
        "The contract is too long, we can't commit for three years",
        "price",
        ["contract", "commitment"],
        [
            (
                "Start on a yearly contract; the three-year discount stays available at renewal.",
                "",
                [],
            ),
        ],
    ),
    (
        "Orbital Insights offered us a bigger discount",
        "competitor",
        ["orbital", "discount"],
        [
            (
                "Ask what the discount is off: Orbital's list price excludes connectors and support. Compare "
                "the three-year total, not the first invoice.",
                "Customers who compared totals chose us 2 times out of 3",
                ["https://northwind.example/compare/orbital"],
            ),
        ],
    ),
    (
        "We built our own dashboards in-house",
        "competitor",
        ["build vs buy", "in-house"],
        [
            (
                "Your team built something valuable. The question is whether maintaining it is the best use "
                "of two engineers; we keep the connectors and the forecasting models up to date for you.",
                "An in-house stack costs two engineers a year on average",
                [],
            ),
        ],
    ),
]

BATTLE_CARDS = [
    {
        "competitor": "Brightlytics",
        "strengths": "Well known brand; many chart types.\nStrong in marketing departments.",
        "weaknesses": "Reports the past only: no forecasting.\nConnectors cost extra per source.\n"
        "Support by email only.",
        "how_we_win": "Lead with the forecast: show the buyer next quarter's number from their own data in the "
        "pilot. Compare the three-year total cost including connectors.",
        "landmines": "How do you forecast the quarter today?\nWhat does each new data source cost you?",
        "proof_points": "Forecast accuracy within 4% at 90 days\n23% lower three-year total cost",
        "objections": ["We already use Brightlytics", "Your price is higher than the alternatives"],
    },
    {
        "competitor": "Orbital Insights",
        "strengths": "Aggressive discounts.\nGood mobile app.",
        "weaknesses": "US hosting only.\nLong implementations (3 months on average).\nList price excludes support.",
        "how_we_win": "Win on time to value and data residency: first dashboard in a week, hosted in the EU.",
        "landmines": "Where will your data be hosted?\nHow long did their implementation plan say?",
        "proof_points": "Median time to first dashboard: 6 working days",
        "objections": ["Orbital Insights offered us a bigger discount", "Is our data safe with you?"],
    },
    {
        "competitor": "Spreadsheets (status quo)",
        "strengths": "Free and familiar.\nInfinitely flexible.",
        "weaknesses": "Version conflicts.\nNo single source of truth.\nManual refresh every month.",
        "how_we_win": "Do not fight Excel: position Northwind as the source the spreadsheets read from.",
        "landmines": "How many versions of the forecast exist right now?\nWho refreshes the numbers each month?",
        "proof_points": "60% fewer version conflicts",
        "objections": ["We're happy with our current spreadsheets", "Our team won't adopt another tool"],
    },
]


def create_playbooks(context: GeneratorContext) -> None:
    """The objection library, battle cards and answer uses, replaced if they exist (a rebuilt demo keeps none)."""
    rng = context.random("playbooks")
    author = context.users.get("sales") or next(iter(context.users.values()), None)
    AnswerUse.objects.all().delete()
    BattleCard.objects.all().delete()
    Objection.objects.all().delete()
    by_text = {}
    answers = []
    for text, category, tags, written in OBJECTIONS:
        objection = Objection.objects.create(text=text, category=category, tags=tags, created_by=author)
        by_text[text] = objection
        for position, (answer, proof, resources) in enumerate(written):
            answers.append(
                Answer.objects.create(
                    objection=objection,
                    position=position,
                    text=answer,
                    proof_points=proof,
                    resources=resources,
                )
            )
    for card in BATTLE_CARDS:
        fields = {name: value for name, value in card.items() if name != "objections"}
        created = BattleCard.objects.create(created_by=author, **fields)
        created.objections.set([by_text[text] for text in card["objections"]])
    # Reps mark answers used over the year; the first answers of an objection help more often than later ones.
    reps = sorted(context.users_with(Role.SALES), key=lambda user: user.email) or [author]
    uses = []
    for answer in answers:
        for _ in range(rng.randint(0, 9)):
            helped_chance = 0.7 if answer.position == 0 else 0.45
            draw = rng.random()
            helped = "unknown" if draw > 0.9 else ("yes" if rng.random() < helped_chance else "no")
            uses.append(
                AnswerUse(
                    answer=answer,
                    user=rng.choice(reps),
                    helped=helped,
                )
            )
    AnswerUse.objects.bulk_create(uses)
    # `at` is set on insert (auto_now_add): spread it over the year afterwards, deterministically.
    for use in AnswerUse.objects.order_by("id"):
        at = context.at(rng.uniform(0, (context.end_at - context.start_at).total_seconds()))
        AnswerUse.objects.filter(pk=use.pk).update(at=min(at, context.end_at - datetime.timedelta(seconds=1)))
    # Semantic search (the optional extra), when installed and on: the answers' embeddings, so the demo's
    # search finds answers by meaning from the start (a second or two to load the model).
    if semantic.enabled():
        semantic.refresh([answer.pk for answer in answers])
