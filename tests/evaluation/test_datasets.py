"""Loading JSONL and CSV datasets, including the shared GSM8K and HF doc QA files."""

from __future__ import annotations

from pathlib import Path

import pytest

from otel_llm.evaluation.datasets import DatasetError, load_dataset

DATA = Path(__file__).parent / "data"


def test_gsm8k_jsonl_maps_question_and_answer():
    examples = load_dataset(DATA / "gsm8k_test_sample.jsonl")
    assert len(examples) == 20
    first = examples[0]
    assert first.id == "1"
    assert first.input.startswith("Janet\u2019s ducks lay 16 eggs per day.")
    assert first.expected.endswith("#### 18")
    assert first.metadata == {}


def test_hf_doc_qa_csv_with_multiline_cells_and_trailing_column():
    examples = load_dataset(DATA / "hf_doc_qa_eval.csv")
    assert len(examples) == 66
    assert examples[0].input == "What architecture is the `tokenizers-linux-x64-musl` binary designed for?"
    assert examples[0].expected == "x86_64-unknown-linux-musl"
    assert examples[0].metadata == {}


def test_explicit_fields_contexts_ids_and_limit(tmp_path):
    path = tmp_path / "rag.jsonl"
    path.write_text(
        '{"id": "a", "q": "Who?", "gold": "Ada", "contexts": ["Ada wrote it."], "topic": "history"}\n\n'
        '{"id": "b", "q": "When?", "gold": "1843", "contexts": "[\\"In 1843.\\"]", "topic": "dates"}\n'
        '{"id": "c", "q": "Skipped", "gold": "-"}\n'
    )
    examples = load_dataset(path, input_field="q", expected_field="gold", limit=2)
    assert [(e.id, e.input, e.expected, e.contexts, dict(e.metadata)) for e in examples] == [
        ("a", "Who?", "Ada", ("Ada wrote it.",), {"topic": "history"}),
        ("b", "When?", "1843", ("In 1843.",), {"topic": "dates"}),
    ]


def test_csv_context_column_as_plain_text(tmp_path):
    path = tmp_path / "rag.csv"
    path.write_text("prompt,reference,context\nHi?,Hello,Greetings are polite.\n")
    (example,) = load_dataset(path)
    assert (example.input, example.expected, example.contexts) == ("Hi?", "Hello", ("Greetings are polite.",))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"input": "x"}\nnot json\n', r"bad.jsonl:2: invalid JSON"),
        ("list.jsonl", "[1, 2]\n", r"list.jsonl:1: expected a JSON object"),
        ("none.jsonl", '{"text": "x"}\n', r"row 1: no input field \(tried input, question, prompt, query\)"),
        ("data.txt", "x", r"unsupported dataset format \.txt"),
    ],
)
def test_unreadable_datasets_say_why(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_unknown_explicit_field(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"input": "x"}\n')
    with pytest.raises(DatasetError, match="no field 'answer_text'; fields are input"):
        load_dataset(path, expected_field="answer_text")
