"""IFEval constraints: every instruction id both ways, the reward, and invalid input."""

from __future__ import annotations

from typing import Any

import pytest
from referee_verifiers.ifeval import INSTRUCTION_IDS, grade_ifeval

LOWER_ENGLISH = "the weather today is calm and the sky is clear over the quiet little town."
FRENCH = "Bonjour, je suis très content de vous voir aujourd'hui dans cette belle ville."

# (instruction id, kwargs, a response that satisfies it, a response that violates it).
# Several ids have more than one row: each row shows one way to pass or to fail.
ROWS: list[tuple[str, dict[str, Any], str, str]] = [
    ("punctuation:no_comma", {}, "No commas here at all.", "Yes, a comma."),
    ("punctuation:no_comma", {}, "Nothing to see.", "中文\uff0c逗号"),  # a full-width comma
    (
        "length_constraints:number_words",
        {"relation": "less than", "num_words": 5},
        "Four words right here.",
        "This answer has exactly five.",
    ),
    (
        "length_constraints:number_words",
        {"relation": "at least", "num_words": 3},
        "one two three",
        "one two",
    ),
    (
        "length_constraints:number_sentences",
        {"relation": "less than", "num_sentences": 3},
        "Dr. Smith paid $3.50 for it. That is e.g. cheap!",
        "One. Two! Three?",
    ),
    (
        "length_constraints:number_sentences",
        {"relation": "at least", "num_sentences": 2},
        "A heading\n\nThen one sentence.",
        "Only one sentence, with the U.S. in it.",
    ),
    (
        "length_constraints:number_paragraphs",
        {"num_paragraphs": 2},
        "First paragraph.\n***\nSecond paragraph.",
        "First.\n***\nSecond.\n***\nThird.",
    ),
    (
        "length_constraints:number_paragraphs",
        {"num_paragraphs": 2},
        "***\nFirst.\n\n* * *\n\nSecond.\n***",
        "First.\n***\n\n***\nSecond.",
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "However"},
        "Intro.\n\n**However,** the middle.\n\nEnd.",
        "Intro.\n\nBut the middle.\n\nEnd.",
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "dear"},
        '"Dear friend,"\n\nBye.',
        "Dear friend.\n\nMiddle.\n\nBye.",
    ),
    (
        "keywords:existence",
        {"keywords": ["ocean", "Blue Whale"]},
        "The blue whale swims in the Ocean.",
        "The blue whale swims in oceans.",
    ),
    (
        "keywords:frequency",
        {"keyword": "ring", "frequency": 2, "relation": "less than"},
        "Bring the ring and the string.",
        "A ring, another RING.",
    ),
    (
        "keywords:frequency",
        {"keyword": "data", "frequency": 3, "relation": "at least"},
        "Data, data and more data.",
        "Data and metadata and database.",
    ),
    (
        "keywords:forbidden_words",
        {"forbidden_words": ["cat", "dog"]},
        "A catalog of hotdogs.",
        "My Dog sleeps.",
    ),
    (
        "keywords:letter_frequency",
        {"letter": "z", "let_frequency": 2, "let_relation": "at least"},
        "Zebras zigzag.",
        "Zebras run.",
    ),
    (
        "keywords:letter_frequency",
        {"letter": "e", "let_frequency": 3, "let_relation": "less than"},
        "Hello you",
        "Eleven eels",
    ),
    ("language:response_language", {"language": "fr"}, FRENCH, LOWER_ENGLISH),
    ("language:response_language", {"language": "en"}, LOWER_ENGLISH, "12345 67"),
    (
        "language:response_language",
        {"language": "zh"},
        "今天天气很好\uff0c我们去公园散步吧。",
        FRENCH,
    ),
    ("detectable_format:json_format", {}, '{"a": [1, 2]}', "{'a': 1}"),
    ("detectable_format:json_format", {}, "```json\n[1, 2]\n```", '"just a string"'),
    (
        "detectable_format:number_bullet_lists",
        {"num_bullets": 2},
        "Points:\n* first\n- second\n* * *\nDone *emphasis*.",
        "* first\n* second\n* third",
    ),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "Some *important part* and **another one**.",
        "Only *one* here, and a * loose star *.",
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "SECTION", "num_sections": 2},
        "SECTION 1\nIntro.\n## SECTION 2\nBody.",
        "SECTION 1\nIntro. As said in SECTION 2 below.",
    ),
    ("detectable_format:title", {}, "<<A Poem of Joy>>\nLines.", "<< >> no title\n<<multi\nline>>"),
    (
        "detectable_format:constrained_response",
        {},
        "My answer is maybe.",
        "My answer is yes. My answer is no.",
    ),
    (
        "detectable_format:constrained_response",
        {},
        "Thinking... My answer is no.",
        "My answer is probably yes.",
    ),
    (
        "detectable_content:postscript",
        {"postscript_marker": "P.S."},
        "Letter body.\n\np. s. see you soon",
        "Letter body. PS see you soon",
    ),
    (
        "detectable_content:postscript",
        {"postscript_marker": "P.P.S"},
        "Body.\n**P.P.S.** more",
        "Body mentions P.P.S inline.",
    ),
    (
        "detectable_content:number_placeholders",
        {"num_placeholders": 2},
        "Send to [name] at [address].",
        "Send to [name] at [ ].",
    ),
    ("startend:quotation", {}, '  "Quoted whole."  ', '"Quoted" then not.'),
    ("startend:quotation", {}, "“Curly quoted.”", '"'),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        "Done. any other questions?  \n",
        "Any other questions? Bye.",
    ),
    ("change_case:english_lowercase", {}, LOWER_ENGLISH, "The weather today is calm."),
    ("change_case:english_lowercase", {}, LOWER_ENGLISH, FRENCH.lower()),
    (
        "change_case:english_capital",
        {},
        LOWER_ENGLISH.upper(),
        "THE WEATHER TODAY IS calm AND THE SKY IS CLEAR.",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "USE the API with JSON.",
        "Use the Api with json.",
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "Only ONE here.",
        "TWO CAPS.",
    ),
    (
        "combination:two_responses",
        {},
        "First answer.\n******\nSecond answer.",
        "Same.\n******\nSame.",
    ),
    (
        "combination:two_responses",
        {},
        "******\nOne.\n******\nTwo.\n******",
        "One.\n*******\nTwo.",
    ),
    (
        "combination:repeat_prompt",
        {"prompt_to_repeat": "Write a haiku."},
        "write a haiku. Leaves fall...",
        "Here is a haiku: Write a haiku.",
    ),
]


def _check(instruction_id: str, kwargs: dict[str, Any], response: str) -> bool:
    verdict = grade_ifeval(response, [instruction_id], [kwargs])
    assert verdict.status in ("correct", "incorrect"), verdict.details
    return verdict.status == "correct"


@pytest.mark.parametrize(("instruction_id", "kwargs", "good", "bad"), ROWS)
def test_satisfying_response_passes(
    instruction_id: str, kwargs: dict[str, Any], good: str, bad: str
) -> None:
    assert _check(instruction_id, kwargs, good)


@pytest.mark.parametrize(("instruction_id", "kwargs", "good", "bad"), ROWS)
def test_violating_response_fails(
    instruction_id: str, kwargs: dict[str, Any], good: str, bad: str
) -> None:
    assert not _check(instruction_id, kwargs, bad)


def test_every_instruction_id_has_rows_both_ways() -> None:
    assert {row[0] for row in ROWS} == set(INSTRUCTION_IDS)
    assert len(INSTRUCTION_IDS) == 25


@pytest.mark.parametrize(
    "completion",
    ["[" * 5_000 + "]" * 5_000, "```json\n" + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "\n```"],
    ids=["bare", "fenced"],
)
def test_json_nested_past_the_parsers_stack_is_incorrect_not_an_error(completion: str) -> None:
    verdict = grade_ifeval(completion, ["detectable_format:json_format"], None)
    assert (verdict.status, verdict.reward) == ("incorrect", 0.0)
    assert "nested too deeply" in verdict.details["instructions"][0]["observed"]


def test_reward_is_the_fraction_satisfied_and_details_list_each() -> None:
    verdict = grade_ifeval(
        "Hello, world.",
        ["punctuation:no_comma", "length_constraints:number_words", "keywords:existence"],
        [{}, {"relation": "less than", "num_words": 5}, {"keywords": ["world"]}],
    )
    assert verdict.status == "incorrect"
    assert verdict.reward == pytest.approx(2 / 3)
    assert [(row["id"], row["passed"]) for row in verdict.details["instructions"]] == [
        ("punctuation:no_comma", False),
        ("length_constraints:number_words", True),
        ("keywords:existence", True),
    ]
    assert verdict.details["instructions"][0]["observed"] == "1 commas"


def test_all_or_nothing_gives_zero_unless_every_instruction_holds() -> None:
    ids = ["punctuation:no_comma", "startend:quotation"]
    partial = grade_ifeval('"a, b"', ids, None, all_or_nothing=True)
    assert (partial.status, partial.reward) == ("incorrect", 0.0)
    full = grade_ifeval('"a b"', ids, None, all_or_nothing=True)
    assert (full.status, full.reward) == ("correct", 1.0)


def test_ifeval_dataset_rows_with_null_arguments_work_unchanged() -> None:
    # Hugging Face's IFEval rows carry every argument name, null where unused.
    row = dict.fromkeys(["num_words", "relation", "keywords", "language", "end_phrase"])
    verdict = grade_ifeval(
        "Just a few words.",
        ["length_constraints:number_words", "punctuation:no_comma"],
        [{**row, "num_words": 10.0, "relation": "less than"}, row],
    )
    assert verdict.status == "correct", verdict.details


def test_repeat_prompt_takes_the_items_prompt_when_kwargs_lack_it() -> None:
    ids = ["combination:repeat_prompt"]
    assert grade_ifeval("Say hi. Hi!", ids, [{}], prompt="Say hi.").status == "correct"
    assert grade_ifeval("Hi!", ids, [{}], prompt="Say hi.").status == "incorrect"
    missing = grade_ifeval("Hi!", ids, [{}])
    assert missing.status == "invalid_input"
    assert "kwargs[0].prompt_to_repeat" in missing.details["error"]


@pytest.mark.parametrize(
    ("ids", "kwargs", "names"),
    [
        (["punctuation:no_comma", "no_such:thing"], None, "instruction_id_list[1]"),
        ([], None, "instruction_id_list"),
        (["punctuation:no_comma"], [{}, {}], "kwargs"),
        (["punctuation:no_comma"], [{"num_words": 3}], "kwargs[0].num_words"),
        (["length_constraints:number_words"], [{"num_words": 3}], "kwargs[0].relation"),
        (
            ["length_constraints:number_words"],
            [{"num_words": 3, "relation": "at most"}],
            "kwargs[0].relation",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": "3", "relation": "at least"}],
            "kwargs[0].num_words",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": -1, "relation": "at least"}],
            "kwargs[0].num_words",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": True, "relation": "at least"}],
            "kwargs[0].num_words",
        ),
        (["keywords:existence"], [{"keywords": "ocean"}], "kwargs[0].keywords"),
        (["keywords:existence"], [{"keywords": []}], "kwargs[0].keywords"),
        (
            ["keywords:letter_frequency"],
            [{"letter": "ab", "let_frequency": 1, "let_relation": "at least"}],
            "kwargs[0].letter",
        ),
        (["language:response_language"], [{"language": "klingon"}], "kwargs[0].language"),
        (["language:response_language"], [{"language": "xx"}], "kwargs[0].language"),
        (
            ["length_constraints:nth_paragraph_first_word"],
            [{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "so"}],
            "kwargs[0].nth_paragraph",
        ),
        (["detectable_format:number_bullet_lists"], ["two"], "kwargs[0]"),
    ],
)
def test_invalid_input_names_the_offending_field(
    ids: list[str], kwargs: list[Any] | None, names: str
) -> None:
    verdict = grade_ifeval("Some response.", ids, kwargs)
    assert (verdict.status, verdict.reward) == ("invalid_input", 0.0)
    assert verdict.details["error"].startswith(names), verdict.details["error"]


def test_every_bad_instruction_is_reported_not_only_the_first() -> None:
    verdict = grade_ifeval(
        "x", ["bad:one", "punctuation:no_comma", "bad:two"], [None, {"oops": 1}, None]
    )
    assert verdict.status == "invalid_input"
    assert [error.split(":")[0] for error in verdict.details["errors"]] == [
        "instruction_id_list[0]",
        "kwargs[1].oops (punctuation",
        "instruction_id_list[2]",
    ]


def test_language_detection_is_deterministic() -> None:
    # langdetect samples at random; a seeded factory must give the same verdict every time.
    text = "Ciao, come stai oggi? Spero che tu stia bene."
    verdicts = {
        grade_ifeval(text, ["language:response_language"], [{"language": "it"}]).status
        for _ in range(20)
    }
    assert verdicts == {"correct"}


def test_a_reasoning_block_is_not_part_of_the_response() -> None:
    ids = ["punctuation:no_comma", "change_case:english_lowercase"]
    completion = "<think>First, I think; then, I WRITE.</think>\n" + LOWER_ENGLISH
    assert grade_ifeval(completion, ids, None).status == "correct"
    assert grade_ifeval(LOWER_ENGLISH + " First, I think.", ids, None).reward == 0.0


@pytest.mark.parametrize(
    "completion",
    ["", "   \n", "<think>still reasoning, no commas yet", "<think>done</think>\n\n"],
)
def test_an_empty_or_cut_off_response_is_no_answer_not_a_vacuous_pass(completion: str) -> None:
    verdict = grade_ifeval(completion, ["punctuation:no_comma"], None)
    assert (verdict.status, verdict.reward) == ("no_answer", 0.0)
