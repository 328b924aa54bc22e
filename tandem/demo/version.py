"""The generator's version, importable without Django (the benchmark harness keys its cached data on it).

Bump it whenever the generated data changes shape, so cached benchmark data sets are rebuilt."""

# 2: likely duplicates for every reason, two finished imports and two expired exports.
# 3: phone numbers from every fictional range of five countries, each handed out once; company switchboards.
# 4: contacts carry their suppression key (address_hash) and companies their name key (name_key) as written.
# 5: the reps' 1:1 emails (sent ledger rows and their timeline entries), templates and signatures.
# 6: sales playbooks (objections, answers, battle cards, answer uses), the product catalog, deals in two pipelines.
GENERATOR_VERSION = 6
