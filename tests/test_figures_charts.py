"""Chart arithmetic (research.charts): round ticks, dated weeks, the map's classes."""

from datetime import date, timedelta

from research import charts


def test_axis_ticks_are_round_and_reach_the_maximum():
    assert charts.nice_ticks(42) == [0, 10, 20, 30, 40, 50]
    assert charts.nice_ticks(7, target=4) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(0) == [0, 1]
    top, ticks = charts.value_axis(123_456)
    assert top >= 123_456 and ticks[-1].position == 100
    assert ticks[1].label == "20\u202f000" or ticks[1].label.replace("\u202f", "").isdigit()


def test_a_timeline_labels_the_first_week_of_months_and_no_more_than_asked():
    weeks = [date(2024, 8, 5) + timedelta(weeks=i) for i in range(60)]
    ticks = charts.week_ticks(weeks, most=7)
    assert 2 <= len(ticks) <= 7
    assert len(charts.week_ticks(weeks)) <= 4
    assert ticks[0] == (0, date(2024, 8, 5))
    assert all(w.day <= 7 for _i, w in ticks)
    assert charts.week_ticks([date(2024, 8, 5)]) == [(0, date(2024, 8, 5))]


def test_counts_fall_into_increasing_classes_with_round_edges():
    counts = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610]
    breaks = charts.count_breaks(counts)
    assert breaks == sorted(set(breaks)) and len(breaks) == charts.CLASSES - 1
    classes = [charts.count_class(c, breaks) for c in counts]
    assert classes == sorted(classes) and classes[0] == 1 and classes[-1] == charts.CLASSES
    assert charts.count_class(0, breaks) == 0
    legend = charts.count_legend(breaks, 610)
    assert legend[0][1] == 1 and legend[-1][2] == 610


def test_shares_need_enough_people():
    assert charts.share_class(5, 10) == 5  # 50 %
    assert charts.share_class(0, 10) == 1
    assert charts.share_class(1, 9) == charts.FEW
    assert charts.share_class(0, 0) == 0
