"""Frame timelines per group and the change points PELT marks on them."""

from __future__ import annotations

import math
import random

import pytest

from frameline.insights.selection import parse_selection
from frameline.insights.timelines import bucket_of, change_points, frame_timeline, noise_level


def test_a_shift_in_mean_share_is_found_where_it_happens_and_noise_alone_is_not():
    rng = random.Random(7)
    signal = [0.2 + rng.gauss(0, 0.03) for _ in range(30)] + [0.6 + rng.gauss(0, 0.03) for _ in range(30)]
    ((index, before, after),) = change_points(signal)
    assert index == 30
    assert before == pytest.approx(sum(signal[:30]) / 30) and after == pytest.approx(sum(signal[30:]) / 30)
    noise = [0.3 + rng.gauss(0, 0.05) for _ in range(60)]
    assert change_points(noise) == []
    assert noise_level(noise) == pytest.approx(0.05, rel=0.35)
    assert change_points([0.4] * 20) == [] and change_points([0.1, 0.9]) == []
    # The C search finds what ruptures' reference PELT with the l2 cost finds, at the same penalty.
    import numpy as np
    import ruptures

    penalty = 2 * noise_level(signal) ** 2 * math.log(len(signal))
    reference = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(np.asarray(signal)).predict(pen=penalty)
    assert [index for index, _b, _a in change_points(signal)] == reference[:-1]


def test_daily_share_and_change_points_per_group(mosul):
    store, _ids = mosul
    timeline = frame_timeline(store, [parse_selection(store, "group:extremist"),
                                      parse_selection(store, "group:mainstream")], interval="day")
    assert timeline.buckets[0] == "2017-06-20" and timeline.buckets[-1] == "2017-07-09" and len(timeline.buckets) == 20
    extremist, mainstream = timeline.groups
    assert extremist.label == "group:extremist" and extremist.documents == [1] * 20
    steadfast = next(series for series in extremist.frames if series.frame == "f-steadfast")
    assert steadfast.name == "Steadfastness"
    assert steadfast.volume == [1] * 12 + [0] * 8 and steadfast.share == [1.0] * 12 + [0.0] * 8
    assert [(point.bucket, point.before, point.after) for point in steadfast.change_points] == [("2017-07-02", 1.0, 0.0)]
    victory = next(series for series in mainstream.frames if series.frame == "f-victory")
    assert [point.bucket for point in victory.change_points] == ["2017-07-04"]
    rows = timeline.rows()
    assert len(rows) == 2 * 2 * 20 and sum(row["change_point"] for row in rows) >= 2


def test_weekly_buckets_start_on_monday(mosul):
    store, _ids = mosul
    timeline = frame_timeline(store, [parse_selection(store, "group:extremist")], interval="week", detect=False)
    assert bucket_of("2017-06-20", "week") == "2017-06-19"
    assert timeline.buckets == ["2017-06-19", "2017-06-26", "2017-07-03"]
    (group,) = timeline.groups
    assert group.documents == [6, 7, 7]
    steadfast = next(series for series in group.frames if series.frame == "f-steadfast")
    assert steadfast.volume == [6, 6, 0]
    with pytest.raises(ValueError, match="interval"):
        frame_timeline(store, [parse_selection(store, "group:extremist")], interval="month")
