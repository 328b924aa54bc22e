"""The end-user template sandbox: merge fields render, hostile templates stop fast with a clear error."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import sandbox
from tandem.core.sandbox import SandboxError

VALUES = {
    "contact": {"first_name": "Ann", "last_name": "", "full_name": "Ann", "email": "ann@example.com"},
    "sender": {"first_name": "Bo", "signature": "Bo\nSales"},
}


def refused(source: str, *, html: bool = False) -> SandboxError:
    started = time.monotonic()
    with pytest.raises(SandboxError) as caught:
        sandbox.render(source, VALUES, html=html)
    assert time.monotonic() - started < 2
    return caught.value


def test_merge_fields_render_with_default_for_missing_or_empty_values():
    # given a template with a present, an empty and a missing-with-default field
    source = "Hi {{ contact.first_name }} {{ contact.last_name | default('Doe') }}, {{ contact.x | default('there') }}"

    # when it renders
    result = sandbox.render(source, VALUES)

    # then each field is merged, the empty and missing ones replaced by their defaults
    assert result == "Hi Ann Doe, there"


def test_html_rendering_escapes_values():
    assert (
        sandbox.render("<p>{{ name }}</p>", {"name": "<b>Ann</b>"}, html=True)
        == "<p>&lt;b&gt;Ann&lt;/b&gt;</p>"
    )


def test_text_rendering_keeps_values_as_they_are():
    assert sandbox.render("{{ name }}", {"name": "<b>Ann</b>"}) == "<b>Ann</b>"


def test_nested_huge_loops_stop_within_the_budget():
    error = refused("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}")
    assert (error.code, error.message) == (
        "too_slow",
        "The template does too much work (more than 200,000 loop turns and calls).",
    )


def test_a_huge_range_is_refused():
    error = refused("{% for a in range(10**9) %}{% endfor %}")
    assert (error.code, error.message) == ("too_large", "range() may give at most 10,000 numbers.")


def test_loops_over_a_string_count_too():
    error = refused("{% set s = 'x' * 10000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}")
    assert error.code == "too_slow"


def test_string_multiplication_is_refused_before_it_allocates():
    error = refused("{{ 'a' * 1000000000 }}")
    assert (
        str(error) == "Line 1: The template builds a repeated value longer than 100,000 characters or items."
    )


def test_list_multiplication_is_refused():
    assert refused("{{ [1, 2] * 100000 }}").code == "too_large"


def test_power_producing_a_huge_number_is_refused():
    error = refused("{{ 10 ** 1000000 }}")
    assert (error.code, error.message) == ("too_large", "The template builds a number too large to show.")


def test_repeated_squaring_is_refused():
    assert refused("{% set a = 2 ** 4000 %}{{ a * a * a }}").code == "too_large"


def test_concatenation_doubling_is_refused():
    assert refused("{% set a = 'x' * 60000 %}{{ a ~ a }}").message == (
        "The template builds a joined value longer than 100,000 characters or items."
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' | center(1000000000) }}",
        "{{ 'x'.center(1000000000) }}",
        "{{ 'x'.zfill(1000000000) }}",
        "{{ 'a\nb' | indent(1000000000) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{:{}}'.format(1, 999999999) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (999999999, 1) }}",
        "{{ '%999999999d' | format(1) }}",
        "{{ ('x' * 50000) | replace('x', 'y' * 50000) }}",
        "{{ ('x' * 50000).replace('x', 'y' * 50000) }}",
        "{{ (['y' * 50000] * 50000) | join }}",
        "{{ ''.join(['y' * 50000] * 50000) }}",
        "{{ [1] | batch(1000000000, 'x') | list }}",
        "{{ ('x' * 99999).encode() * 99999 }}",
        "{{ ('x' * 99999).translate({120: 'y' * 99999}) }}",
        "{{ '%(a)s' | format(a=['x' * 99999] * 99999) }}",
    ],
)
def test_padding_replacing_and_joining_to_huge_sizes_is_refused(source):
    assert refused(source).code == "too_large"


def test_huge_output_is_capped():
    error = refused("{% for a in range(10000) %}{{ 'x' * 50000 }}{% endfor %}")
    assert str(error) == "The template's result is longer than 200,000 characters."


def test_macro_recursion_stops():
    error = refused("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}")
    assert (error.code, error.message) == ("too_slow", "The template calls itself without end.")


def test_exponential_macro_calls_stop():
    source = "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(40) }}"
    assert refused(source).code == "too_slow"


def test_recursive_loop_stops():
    assert refused("{% for a in [1] recursive %}{{ loop([1]) }}{% endfor %}").code == "too_slow"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__ }}",
        "{{ contact.__class__ }}",
        "{{ (1).__class__.__base__ }}",
    ],
)
def test_reaching_for_python_internals_is_refused(source):
    error = refused(source)
    assert (error.code, error.message) == (
        "not_allowed",
        "The template reaches for something that is not available in templates.",
    )


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("{{ cycler.__init__.__globals__ }}", "cycler"),
        ("{{ lipsum(1000000) }}", "lipsum"),
        ("{% set n = namespace(a=1) %}{{ n.a }}", "namespace"),
        ("{{ joiner() }}", "joiner"),
        ("{{ settings.SECRET_KEY }}", "settings"),
        ("{{ config }}", "config"),
    ],
)
def test_globals_and_settings_are_not_available(source, name):
    error = refused(source)
    assert (error.code, error.message) == ("undefined", f"“{name}” is not a merge field.")


def test_the_secret_key_never_appears_even_with_a_default():
    # given a template that asks for the secret key with a quiet fallback
    # when it renders, then it is told that settings is no merge field (and the secret is nowhere)
    error = refused("{{ settings.SECRET_KEY | default('') }}")
    assert str(error) == "Line 1: “settings” is not a merge field."


def test_self_is_refused():
    error = refused("Hello\n{{ self }}")
    assert str(error) == "Line 2: “self” is not available in templates."


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a\n{% include 'x.html' %}", "Line 2: Templates cannot include other templates here."),
        ("{% import 'x.html' as x %}", "Line 1: Templates cannot import other templates here."),
        ("{% from 'x.html' import y %}", "Line 1: Templates cannot import from other templates here."),
        ("{% extends 'x.html' %}", "Line 1: Templates cannot extend other templates here."),
    ],
)
def test_include_import_and_extends_are_refused(source, message):
    assert str(refused(source)) == message


def test_syntax_errors_give_line_and_message():
    error = refused("Hello\n\n{{ contact.first_name ")
    assert (error.code, str(error)) == (
        "syntax",
        "Line 3: The template ends too early, expected 'end of print statement'.",
    )


def test_an_unknown_tag_is_a_syntax_error_in_words():
    error = refused("{% frobnicate %}")
    assert error.code == "syntax"
    assert error.line == 1
    assert error.message.startswith("Unknown tag 'frobnicate'.")


def test_an_unknown_field_of_a_known_value_is_named():
    assert (
        str(refused("Hi\n{{ contact.nickname }}"))
        == "Line 2: “nickname” is not one of the fields available here."
    )


def test_a_huge_source_is_refused():
    assert refused("x" * 50_001).message == "A template can be at most 50,000 characters."


def test_check_reads_without_rendering():
    sandbox.check("{{ anything_at_all }}")
    with pytest.raises(SandboxError) as caught:
        sandbox.check("{% if %}")
    assert caught.value.line == 1


def test_values_cannot_be_changed_by_the_template():
    values = {"items": [1, 2]}
    with pytest.raises(SandboxError):
        sandbox.render("{{ items.append(3) }}", values)
    assert values == {"items": [1, 2]}


FIELD = st.sampled_from(
    [
        "{{ contact.first_name }}",
        "{{ contact.x }}",
        "{{ sender.signature }}",
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "{{ contact.first_name | default('there') }}",
        "{% for a in range(3) %}",
        "{% endfor %}",
        "{% if a %}",
        "{% endif %}",
        "|",
        "~",
        "*",
        "**",
        "(",
        ")",
        "'",
        '"',
        "\n",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FIELD, st.text(max_size=8)), max_size=20), st.booleans())
def test_random_text_with_merge_fields_raises_only_the_sandbox_error(pieces, html):
    # given any text mixing merge fields, tags and noise
    source = "".join(pieces)

    # when it renders, then it gives text or the sandbox's own error, nothing else
    try:
        result = sandbox.render(source, VALUES, html=html)
    except SandboxError as error:
        assert error.message
    else:
        assert isinstance(result, str)


def test_concatenation_escapes_values_in_html():
    assert sandbox.render("{{ a ~ '!' }}", {"a": "<i>"}, html=True) == "&lt;i&gt;!"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ('a\\n' * 40000) | indent('  ' * 40000) }}",
        "{{ range(10000) | map('center', 99999) | list }}",
        "{% for i in range(100) %}{% set x = 'x' * 99999 %}{% endfor %}",
    ],
)
def test_building_too_much_in_all_is_refused(source):
    assert refused(source).code == "too_large"


def test_join_of_a_generator_joins_every_item():
    assert sandbox.render("{{ range(3) | map('string') | join(',') }}", {}) == "0,1,2"
    assert sandbox.render("{{ ','.join(range(3) | map('string')) }}", {}) == "0,1,2"


@pytest.mark.parametrize("name", ["tojson", "wordwrap"])
def test_tojson_and_wordwrap_are_not_available(name):
    error = refused("{{ contact | " + name + " }}")
    assert error.code == "syntax"
    assert error.message == f"No filter named '{name}'."


LONG_LITERAL = "y" * 40_000


@pytest.mark.parametrize(
    "source",
    [
        # captured output never reaches the output cap: what is printed is counted as it is printed
        "{% set x %}{% for a in range(10000) %}" + LONG_LITERAL + "{% endfor %}{% endset %}done",
        "{% set s = 'x' * 99999 %}{% macro m() %}{% for a in range(10000) %}{{ s }}{% endfor %}{% endmacro %}"
        "{% set y = m() %}done",
        "{% filter upper %}{% for a in range(10000) %}" + LONG_LITERAL + "{% endfor %}{% endfilter %}",
        # a list holding one long string many times: printing it would build every copy
        "{{ ['x' * 99999] * 99999 }}",
        "{% set l = ['x' * 99999] * 99999 %}{{ l | string | length }}",
        "{{ '{}'.format(['x' * 99999] * 99999) }}",
        "{{ '%s' % ([('x' * 99999)] * 99999,) }}",
        "{{ (['x' * 99999] * 99999) ~ '' }}",
    ],
)
def test_printing_or_capturing_huge_text_is_refused(source):
    assert refused(source).code == "too_large"


def test_literal_text_is_kept_as_written_in_html():
    assert sandbox.render("<p>{{ a }} & co</p>", {"a": "<b>"}, html=True) == "<p>&lt;b&gt; & co</p>"


def test_a_set_block_and_a_macro_still_work():
    source = "{% set x %}Hi {{ n }}{% endset %}{% macro m(v) %}[{{ v }}]{% endmacro %}{{ x }} {{ m(x) }}"
    assert sandbox.render(source, {"n": "<Ann>"}, html=True) == "Hi &lt;Ann&gt; [Hi &lt;Ann&gt;]"
