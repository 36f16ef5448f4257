"""The behaviour every search backend promises, run against each real engine."""

from __future__ import annotations

import pytest
from conftest import APPROVED_ONLY_ALL, EVERYTHING, make_doc

from search.types import SearchFilters, SearchQuery

pytestmark = pytest.mark.django_db


def ids(results) -> list[int]:
    return [hit.page_id for hit in results.hits]


def run(backend, text="", scope=EVERYTHING, **kwargs):
    return backend.query(SearchQuery(text=text, **kwargs), scope)


@pytest.fixture
def corpus(backend):
    backend.index(
        [
            make_doc(
                1, "Kế hoạch dạy học môn Toán lớp 1", "Kế hoạch dạy học các môn học của tổ 1."
            ),
            make_doc(2, "Ke hoach chung", "Ke hoach viet khong dau cua nha truong."),
            make_doc(3, "Sổ đăng bộ khóa 2020-2025", "Danh sách học sinh đăng bộ."),
            make_doc(4, "Biên bản họp", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            make_doc(5, "Báo cáo thôn Hoa Xá", "Học sinh thôn Hoa Xá."),
            make_doc(6, "Nhận xét", "Học sinh dạy em nhỏ, chăm học."),
        ]
    )
    backend.refresh()
    return backend


def test_query_without_diacritics_finds_words_with_diacritics(corpus):
    assert 1 in ids(run(corpus, "ke hoach day hoc"))
    assert ids(run(corpus, "so dang bo")) == [3]


def test_matching_ignores_case_and_treats_d_stroke_as_d(corpus):
    assert ids(run(corpus, "SỔ ĐĂNG BỘ")) == [3]
    assert ids(run(corpus, "dang bo")) == [3]
    assert ids(run(corpus, "đăng")) == [3]


def test_old_and_new_tone_placement_match_each_other_exactly(corpus):
    # "HOÀ" (old placement) in the text; "hòa" (new) in the query: an exact match,
    # so it ranks above "Hoa Xá", which matches only once folded.
    assert ids(run(corpus, "hòa")) == [4, 5]
    assert ids(run(corpus, "hoà")) == [4, 5]


def test_exact_diacritic_matches_rank_above_folded_only_matches(corpus):
    assert ids(run(corpus, "kế hoạch")) == [1, 2]
    assert ids(run(corpus, "ke hoach")) == [2, 1]


def test_quoted_phrase_matches_only_adjacent_words(corpus):
    assert sorted(ids(run(corpus, "day hoc"))) == [1, 6]
    assert ids(run(corpus, '"dạy học"')) == [1]
    assert ids(run(corpus, '"hoc day"')) == []


def test_every_clause_must_match(corpus):
    assert ids(run(corpus, "ke hoach toan")) == [1]
    assert ids(run(corpus, "ke hoach khongcotu")) == []


def test_snippet_marks_matches_with_the_original_diacritics(corpus):
    (hit,) = run(corpus, "so dang bo").hits
    assert "<mark>Sổ</mark>" in hit.snippet or "<mark>đăng</mark>" in hit.snippet
    snippet = run(corpus, "dang bo").hits[0].snippet
    assert "<mark>đăng</mark>" in snippet
    assert "dang" not in snippet.replace("đăng", "")


def test_snippet_escapes_html(backend):
    backend.index([make_doc(1, "Tiêu đề", "Nội dung <script>alert(1)</script> kế hoạch")])
    backend.refresh()
    snippet = run(backend, "ke hoach").hits[0].snippet
    assert "<script>" not in snippet
    assert "<mark>kế</mark>" in snippet


def test_facets_count_every_match_not_only_the_page(backend):
    backend.index(
        [
            make_doc(
                i,
                f"Kế hoạch {i}",
                record_type="lesson_plan" if i % 2 else "group_plan",
                state="approved" if i < 4 else "draft",
                school_id=1 if i < 5 else 2,
                school_year="2024-2025" if i < 6 else "2025-2026",
                grade=(i % 3) + 1,
                subjects=("toan",) if i < 3 else ("tieng_viet",),
            )
            for i in range(1, 8)
        ]
    )
    backend.refresh()
    results = run(backend, "ke hoach", per_page=2)
    assert results.total == 7
    assert len(results.hits) == 2
    facets = {name: {f.value: f.count for f in values} for name, values in results.facets.items()}
    assert facets["school"] == {"1": 4, "2": 3}
    assert facets["year"] == {"2024-2025": 5, "2025-2026": 2}
    assert facets["record_type"] == {"lesson_plan": 4, "group_plan": 3}
    assert facets["state"] == {"approved": 3, "draft": 4}
    assert facets["grade"] == {"1": 2, "2": 3, "3": 2}
    assert facets["subject"] == {"toan": 2, "tieng_viet": 5}


def test_filters_narrow_hits_total_and_facets(backend):
    backend.index(
        [
            make_doc(1, "Kế hoạch A", school_id=1, grade=1, subjects=("toan",)),
            make_doc(2, "Kế hoạch B", school_id=2, grade=2, subjects=("toan",)),
            make_doc(3, "Kế hoạch C", school_id=2, grade=3, subjects=("tieng_viet",)),
        ]
    )
    backend.refresh()
    results = run(backend, "ke hoach", filters=SearchFilters(school_ids=(2,), subjects=("toan",)))
    assert ids(results) == [2]
    assert results.total == 1
    assert {f.value for f in results.facets["school"]} == {"2"}
    assert ids(run(backend, "", filters=SearchFilters(grades=(1, 3)), sort="date")) == [3, 1]


def test_a_record_of_several_subjects_counts_and_filters_under_each(backend):
    backend.index(
        [
            make_doc(1, "Kế hoạch bài dạy tuần 1", subjects=("toan", "tieng_viet", "dao_duc")),
            make_doc(2, "Kế hoạch bài dạy tuần 2", subjects=("toan",)),
            make_doc(3, "Kế hoạch bài dạy tuần 3"),
        ]
    )
    backend.refresh()
    results = run(backend, "ke hoach")
    assert results.total == 3
    subjects = {f.value: f.count for f in results.facets["subject"]}
    assert subjects == {"toan": 2, "tieng_viet": 1, "dao_duc": 1}
    tieng_viet = run(backend, "ke hoach", filters=SearchFilters(subjects=("tieng_viet",)))
    assert ids(tieng_viet) == [1]
    assert {f.value: f.count for f in tieng_viet.facets["subject"]} == {
        "toan": 1,
        "tieng_viet": 1,
        "dao_duc": 1,
    }
    either = run(backend, "", filters=SearchFilters(subjects=("dao_duc", "toan")), sort="date")
    assert ids(either) == [2, 1]  # once each, though record 1 has both
    assert either.total == 2
    backend.replace([1], [make_doc(1, "Kế hoạch bài dạy tuần 1", subjects=("khoa_hoc",))])
    backend.refresh()
    subjects = {f.value: f.count for f in run(backend, "ke hoach").facets["subject"]}
    assert subjects == {"toan": 1, "khoa_hoc": 1}


def test_sort_by_date_puts_newest_first(corpus):
    assert ids(run(corpus, "ke hoach", sort="date")) == [2, 1]
    assert ids(run(corpus, "", sort="date"))[:3] == [6, 5, 4]


def test_pagination_splits_results_without_overlap(backend):
    backend.index([make_doc(i, f"Kế hoạch tuần {i}") for i in range(1, 26)])
    backend.refresh()
    first = run(backend, "ke hoach", sort="date", page=1, per_page=10)
    third = run(backend, "ke hoach", sort="date", page=3, per_page=10)
    assert first.total == third.total == 25
    assert ids(first) == list(range(25, 15, -1))
    assert ids(third) == list(range(5, 0, -1))
    assert first.num_pages == 3


def test_scope_is_applied_inside_the_query(backend):
    backend.index(
        [
            make_doc(1, "Kế hoạch đã duyệt", variant="approved", state="approved"),
            make_doc(1, "Kế hoạch đang sửa", variant="working", state="approved"),
            make_doc(2, "Kế hoạch nháp", state="draft"),
        ]
    )
    backend.refresh()
    results = run(backend, "ke hoach", scope=APPROVED_ONLY_ALL)
    assert [(h.page_id, h.variant) for h in results.hits] == [(1, "approved")]
    assert results.total == 1
    assert results.facets["state"][0].count == 1


def test_reindexing_a_record_replaces_its_versions(corpus):
    corpus.replace([3], [make_doc(3, "Sổ theo dõi", "Không còn nội dung cũ.")])
    corpus.refresh()
    assert ids(run(corpus, "dang bo")) == []
    assert ids(run(corpus, "so theo doi")) == [3]
    corpus.remove([3])
    corpus.refresh()
    assert ids(run(corpus, "so theo doi")) == []


def test_rebuild_switches_to_a_complete_new_index(corpus):
    count = corpus.rebuild(iter([make_doc(10, "Kế hoạch mới"), make_doc(11, "Kế hoạch khác")]))
    corpus.refresh()
    assert count == 2
    assert sorted(ids(run(corpus, "ke hoach"))) == [10, 11]
    assert run(corpus, "so dang bo").total == 0


@pytest.mark.parametrize("rank_limit", [0, 10_000])
def test_a_large_match_pages_the_exact_tier_then_the_rest_newest_first(
    backend, monkeypatch, rank_limit
):
    """Above RANK_LIMIT both engines page tier by tier, newest first (the limit is
    lowered so that a small corpus takes that path); below it they rank, and here
    every document of a tier scores the same, so the order is the same."""
    from search.backends import database, elasticsearch

    monkeypatch.setattr(database, "RANK_LIMIT", rank_limit)
    monkeypatch.setattr(elasticsearch, "RANK_LIMIT", rank_limit)
    exact = [1, 3, 4, 7, 8]
    backend.index(
        [
            make_doc(i, "Kế hoạch tuần" if i in exact else "Ke hoach tuan", "Nội dung chung.")
            for i in range(1, 10)
        ]
    )
    backend.refresh()
    for per_page in (2, 4, 5, 20):
        seen = []
        for page in range(1, 10 // per_page + 2):
            results = run(backend, "kế hoạch", page=page, per_page=per_page)
            assert results.total == 9
            seen += ids(results)
        assert seen == [8, 7, 4, 3, 1, 9, 6, 5, 2], per_page


def test_a_page_past_the_result_window_is_the_last_page_within_it(corpus):
    """Elasticsearch refuses from + size > 10,000 (a 400, which would be a 500 page);
    a hand-typed ?page=1000000 is answered with the last page inside the window."""
    from search.types import MAX_RESULTS

    results = run(corpus, "học", page=1_000_000)
    assert results.page == MAX_RESULTS // 20
    assert results.hits == [] and results.total > 0
    assert run(corpus, "học").num_pages == 1


# --- ranking: the same order on every engine -----------------------------------

FILLER = "Nội dung sinh hoạt của tổ trong tháng mười về các hoạt động ngoài giờ lên lớp."
# The four words of "phẩm chất chăm chỉ", each five words after the last.
APART = "Phẩm giá em hiền hậu, chất phác thật thà và chăm lo cho bạn bè, chỉ bảo bạn."


@pytest.fixture
def ranked(backend):
    """Records whose order a reader would agree on; the one that should come later
    is always the newer, so that recency never explains a passing order."""
    backend.index(
        [
            make_doc(1, "Nhận xét cuối kì", f"Em có phẩm chất chăm chỉ. {FILLER} {FILLER}"),
            make_doc(2, "Nhận xét giữa kì", f"Em có phẩm chất tốt, chăm chỉ. {FILLER} {FILLER}"),
            make_doc(3, "Nhận xét đầu năm", f"{APART} {APART}"),
            make_doc(4, "Sổ theo dõi sức khỏe học sinh", FILLER),
            make_doc(5, "Sổ theo dõi khỏe mạnh", FILLER),
            make_doc(6, "Sổ điểm", FILLER),
            make_doc(7, "Kế hoạch của tổ", f"{FILLER} Thực hiện trong tuần đầu."),
            make_doc(8, "Ke hoach tuan", FILLER),
            *(make_doc(20 + i, f"Biên bản số {i}", FILLER) for i in range(6)),
        ]
    )
    backend.refresh()
    return backend


def test_words_standing_together_rank_above_words_apart(ranked):
    # 1: the words side by side; 2: within a few words; 3: repeated, far apart.
    assert ids(run(ranked, "phẩm chất chăm chỉ")) == [1, 2, 3]
    assert ids(run(ranked, "pham chat cham chi")) == [1, 2, 3]


def test_a_long_query_finds_a_record_missing_one_word_below_full_matches(ranked):
    assert ids(run(ranked, "sổ theo dõi sức khỏe")) == [4, 5]
    assert run(ranked, "sổ theo dõi sức khỏe").total == 2
    assert ids(run(ranked, "sổ theo dõi sức")) == [4, 5]
    assert ids(run(ranked, "theo dõi sức")) == [4]  # three words: every one required


def test_the_exact_diacritic_tier_stays_above_words_standing_together(ranked):
    assert ids(run(ranked, "kế hoạch tuần")) == [7, 8]
    assert ids(run(ranked, "ke hoach tuan")) == [8, 7]


def test_a_very_long_query_needs_three_in_four_of_its_words(backend):
    query = "báo cáo tổng kết công tác chuyên môn tổ khối một năm"  # 12 words: 9 needed
    backend.index(
        [
            make_doc(1, "Báo cáo tổng kết công tác chuyên môn tổ khối một năm"),
            make_doc(2, "Báo cáo tổng kết công tác chuyên môn tổ khối"),  # 10 of 12
            make_doc(3, "Báo cáo tổng kết công tác chuyên môn"),  # 8 of 12
        ]
    )
    backend.refresh()
    assert ids(run(backend, query)) == [1, 2]
    assert ids(run(backend, query.replace("năm", '"tổ khối"'))) == [1, 2]
