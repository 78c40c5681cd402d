"""Scores, latencies, costs and counts on separate histograms, each with the buckets of its unit."""

from __future__ import annotations

import pytest

import otel_llm.evaluation.feedback as feedback_state
from otel_llm.cli.main import main
from otel_llm.evaluation import FeedbackConfig, configure_feedback, record_feedback
from otel_llm.evaluation.telemetry import score_instrument

from .test_offline_e2e import DATA, gsm8k_responder

RATIO_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
RATIO_BUCKETS += (0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
SECONDS_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
USD_BUCKETS = (0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)
OTHER_BUCKETS = (0, 1, 2, 3, 4, 5, 10, 20, 50, 100, 1000)


def points_by_instrument(otel) -> dict[str, dict[str, tuple[int, float, tuple[float, ...], str]]]:
    """instrument -> evaluator -> (count, sum, bucket bounds, unit), summed over labels."""
    result: dict[str, dict] = {}
    data = otel.metric_reader.get_metrics_data()
    for resource_metrics in data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                if not metric.name.startswith("otel_llm.evaluation.") or metric.name.endswith("feedback"):
                    continue
                for point in metric.data.data_points:
                    name = point.attributes["gen_ai.evaluation.name"]
                    bounds = tuple(point.explicit_bounds)
                    count, total, _, _ = result.setdefault(metric.name, {}).get(name, (0, 0.0, (), ""))
                    result[metric.name][name] = (count + point.count, total + point.sum, bounds, metric.unit)
    return result


def test_each_evaluator_unit_has_its_own_histogram_and_buckets(instrumented, fake_openai, tmp_path):
    otel = instrumented
    fake_openai(gsm8k_responder)
    argv = ["eval", "-d", str(DATA / "gsm8k_test_sample.jsonl"), "--limit", "4"]
    argv += ["-t", "tests.evaluation.eval_app:answer", "-e", "numeric_match", "-e", "latency=30"]
    argv += ["-e", "cost=1", "-e", "guardrail_findings", "--json", str(tmp_path / "run.json")]
    assert main(argv) == 0
    points = points_by_instrument(otel)
    assert set(points) == {
        "otel_llm.evaluation.score",
        "otel_llm.evaluation.latency",
        "otel_llm.evaluation.cost",
        "otel_llm.evaluation.value",
    }
    numeric = points["otel_llm.evaluation.score"]["numeric_match"]
    assert numeric[0] == 4 and numeric[2:] == (RATIO_BUCKETS, "1")
    assert numeric[1] == 3.0  # gsm8k_responder gets every 4th wrong
    assert set(points["otel_llm.evaluation.score"]) == {"numeric_match"}  # nothing else in [0, 1]'s buckets
    latency = points["otel_llm.evaluation.latency"]["latency"]
    assert latency[0] == 4 and 0 < latency[1] < 30 and latency[2:] == (SECONDS_BUCKETS, "s")
    cost = points["otel_llm.evaluation.cost"]["cost"]
    assert cost[0] == 4 and 0 < cost[1] < 0.01 and cost[2:] == (USD_BUCKETS, "{USD}")
    findings = points["otel_llm.evaluation.value"]["guardrail_findings"]
    assert findings == (4, 0.0, OTHER_BUCKETS, "{score}")


@pytest.fixture
def feedback_configs():
    yield
    feedback_state._configs.clear()  # configurations are process-wide


def test_feedback_ratings_stay_on_one_histogram_whatever_their_value(otel, feedback_configs):
    configure_feedback(
        FeedbackConfig("stars", "numeric", minimum=1, maximum=5),
        FeedbackConfig("helpful", "boolean"),
    )
    record_feedback(response_id="r1", name="stars", score=1)  # 1 star: not a ratio of 1
    record_feedback(response_id="r2", name="stars", score=5)
    record_feedback(response_id="r3", name="helpful", score=True)
    record_feedback(response_id="r4", name="unconfigured", score=0.25)
    record_feedback(response_id="r5", name="unconfigured_rating", score=7)
    points = points_by_instrument(otel)
    assert points["otel_llm.evaluation.value"] == {
        "stars": (2, 6.0, OTHER_BUCKETS, "{score}"),
        "unconfigured_rating": (1, 7.0, OTHER_BUCKETS, "{score}"),
    }
    assert points["otel_llm.evaluation.score"] == {
        "helpful": (1, 1.0, RATIO_BUCKETS, "1"),
        "unconfigured": (1, 0.25, RATIO_BUCKETS, "1"),
    }


def test_score_instrument_routing():
    assert score_instrument(0.0, "1") == score_instrument(1.0, None) == "otel_llm.evaluation.score"
    assert score_instrument(1.5, "1") == score_instrument(-0.1, None) == "otel_llm.evaluation.value"
    assert score_instrument(0.5, "s") == "otel_llm.evaluation.latency"
    assert score_instrument(0.5, "{USD}") == "otel_llm.evaluation.cost"
    assert score_instrument(0.5, "{finding}") == score_instrument(3, "{score}") == "otel_llm.evaluation.value"
