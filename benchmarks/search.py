"""Search benchmark: index a generated district or province, then time inspector queries.

    python benchmarks/search.py          # SQLite at 5,000, then PostgreSQL at 5,000 and 100,000
    python benchmarks/search.py --backend database --sizes 5000,20000    # SQLite only
    python benchmarks/search.py --backend elasticsearch --records 1000000 --es-url URL
    python -m devservices postgres -- python benchmarks/search.py --backend database
    HOSO_ES_JAVA_OPTS="-Xms4g -Xmx4g" python -m devservices elasticsearch -- \
        python benchmarks/search.py --backend elasticsearch        # province (1M records)

With no --records or --sizes, the database backend measures 5,000 records (and
100,000 on PostgreSQL); run without DATABASE_URL, it then measures PostgreSQL too,
in a throwaway cluster of devservices, when this machine has the server.

(HOSO_ES_JAVA_OPTS gives the throwaway node a production JIT and heap: the test
harness starts Elasticsearch with C1 only and 1 GB, which is quick to start but not
what a server runs.)

Documents are generated directly (not through pages): the figure measured is the
search engine's indexing throughput and query latency, not page rendering. The
database is DATABASE_URL, or a throwaway SQLite file when it is unset. Queries run
with an inspector's scope (approved versions of every school of the authority).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from recordpages.registry import State as S

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VOCABULARY = (
    "kế hoạch dạy học giáo dục nhà trường tổ chuyên môn học sinh giáo viên bài dạy tuần lớp "
    "tiếng việt toán đạo đức tự nhiên xã hội khoa học lịch sử địa lí âm nhạc mĩ thuật công nghệ "
    "tin học giáo dục thể chất hoạt động trải nghiệm đánh giá thường xuyên định kì nhận xét "
    "hoàn thành tốt chưa phẩm chất năng lực yêu nước nhân ái chăm chỉ trung thực trách nhiệm "
    "tự chủ tự học giao tiếp hợp tác giải quyết vấn đề sáng tạo đọc hiểu viết đoạn văn kể chuyện "
    "luyện từ câu phép cộng phép trừ nhân chia phân số hình học đo lường sổ đăng bộ học bạ khóa "
    "biên bản họp chuyên đề bồi dưỡng phụ đạo năng khiếu cơ sở vật chất đội ngũ điều kiện mục tiêu "
    "giải pháp tổ chức thực hiện căn cứ công văn thông tư hướng dẫn Bộ Sở Phòng hòa bình đồng"
).split()
# A district's mix of states; the types' mix is `_type_mix()` (their codes are
# declared on the page classes, known once Django is set up).
EXIT_UNAVAILABLE = 3  # devservices: the server is not installed on this machine
STATES = [S.DRAFT, S.SUBMITTED, S.CHECKED, *[S.APPROVED] * 3, S.SIGNED, S.RETURNED]


def _codes(page_classes: tuple[str, ...]) -> tuple[str, ...]:
    from recordpages import models

    return tuple(getattr(models, name).record_type for name in page_classes)


def _type_mix() -> list[str]:
    from recordpages import models as m

    return (
        [m.LessonPlanPage.record_type] * 14
        + [m.StudentRecordPage.record_type] * 8
        + [m.GroupTeachingPlanPage.record_type, m.OtherRecordPage.record_type]
        + [m.ClassResultSummaryPage.record_type]
    )


SUBJECTS = ["tieng_viet", "toan", "dao_duc", "tnxh", "khoa_hoc", "lich_su_dia_li"]
YEARS = ["2023-2024", "2024-2025", "2025-2026"]
QUERIES = [
    {"text": "kế hoạch dạy học"},
    {"text": "ke hoach day hoc"},
    {"text": '"sổ đăng bộ"'},
    {"text": "đánh giá thường xuyên toán"},
    {"text": "hoa"},
    {"text": "doc hieu", "years": ("2024-2025",)},
    {"text": "phẩm chất năng lực", "record_pages": ("StudentRecordPage",)},
    {"text": "", "sort": "date", "years": ("2025-2026",)},
    {"text": "bồi dưỡng năng khiếu", "sort": "date"},
    {"text": '"giáo dục thể chất" lớp'},
]
# A sentence an inspector pastes from a plan (12, 15 and 19 words): a hit needs
# three quarters of them (search.vietnamese.words_required). Measured apart.
LONG_QUERIES = [
    {"text": "Học sinh đọc hiểu đoạn văn, luyện từ và câu, kể chuyện"},
    {"text": "Học sinh hoàn thành tốt nhiệm vụ, yêu nước, nhân ái, chăm chỉ, trung thực"},
    {
        "text": "Giáo viên tổ chức hoạt động trải nghiệm cho học sinh, đánh giá phẩm chất "
        "năng lực tự chủ"
    },
]


def setup_django(database_url: str | None) -> None:
    if not (database_url or os.environ.get("DATABASE_URL")):
        path = Path(tempfile.mkdtemp(prefix="hoso-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    elif database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def documents(records: int, schools: int, seed: int = 5):
    from search.types import APPROVED, WORKING, SearchDocument

    types = _type_mix()
    rng = random.Random(seed)
    start = dt.datetime(2023, 9, 1, tzinfo=dt.UTC)
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    for page_id in range(1, records + 1):
        record_type = rng.choice(types)
        state = rng.choice(STATES)
        words = rng.choices(VOCABULARY, weights=weights, k=rng.randint(60, 160))
        base = {
            "page_id": page_id,
            "title": " ".join(rng.choices(VOCABULARY, k=6)).capitalize(),
            "body": " ".join(words),
            "record_type": record_type,
            "state": state,
            "school_id": rng.randint(1, schools),
            "school_name": "",
            "school_year": rng.choice(YEARS),
            "date": start + dt.timedelta(minutes=rng.randint(0, 1_500_000)),
            "grade": rng.randint(1, 5),
            "subjects": tuple(sorted(set(rng.choices(SUBJECTS, k=rng.randint(0, 3))))),
            "author_id": rng.randint(1, schools * 40),
        }
        base["school_name"] = f"Trường Tiểu học số {base['school_id']}"
        yield SearchDocument(variant=WORKING, **base)
        if state in (S.APPROVED, S.SIGNED):
            yield SearchDocument(variant=APPROVED, **base)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["database", "elasticsearch"], default="database")
    parser.add_argument("--records", type=int, help="default 1000000 (es)")
    parser.add_argument(
        "--sizes", help="several record counts in turn, e.g. 1000,5000,20000 (overrides --records)"
    )
    parser.add_argument(
        "--no-postgres",
        action="store_true",
        help="database backend without DATABASE_URL: measure SQLite only",
    )
    parser.add_argument("--schools", type=int, help="default 20 (district) / 250 (province)")
    parser.add_argument("--es-url", default=os.environ.get("ELASTICSEARCH_URL"))
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=20, help="times each query runs")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="database backend: keep the entries already in DATABASE_URL (no reindex)",
    )
    parser.add_argument(
        "--index-prefix",
        help="Elasticsearch: name the index (default: a random one, dropped at the end)",
    )
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="Elasticsearch: query the index --index-prefix names, left by an earlier run "
        "(no reindex, not dropped)",
    )
    parser.add_argument(
        "--no-request-cache",
        action="store_true",
        help="Elasticsearch: facets computed afresh every time (an index that changes each second)",
    )
    args = parser.parse_args()
    province = args.backend == "elasticsearch"
    schools = args.schools or (250 if province else 20)
    default_run = not (args.records or args.sizes or args.database_url or args.reuse)
    sqlite_first = default_run and not province and not os.environ.get("DATABASE_URL")
    setup_django(args.database_url)

    import search

    prefix = args.index_prefix or f"bench-{uuid.uuid4().hex[:8]}"
    config = {"BACKEND": args.backend, "INDEX_PREFIX": prefix}
    if args.backend == "elasticsearch":
        if not args.es_url:
            parser.error("--es-url (or ELASTICSEARCH_URL) is required for Elasticsearch")
        config.update(
            ELASTICSEARCH_URL=args.es_url,
            NUMBER_OF_SHARDS=args.shards,
            TIMEOUT=120,
            REQUEST_CACHE=not args.no_request_cache,
        )
    backend = search.get_backend(config)

    for size in _sizes(args):
        load(backend, args, size, schools)
        label = f"{size or 'reused'} records"
        queries, scope = inspector_queries(backend, schools, QUERIES)
        measure(backend, queries, scope, args.rounds, label)
        queries, scope = inspector_queries(backend, schools, LONG_QUERIES)
        measure(backend, queries, scope, args.rounds, f"{label}, long queries")
    if args.backend == "elasticsearch" and not args.index_prefix:
        backend.drop_all()
    if sqlite_first and not args.no_postgres:
        _postgres_run(args.rounds)


def _sizes(args) -> list[int]:
    """The record counts to measure: --sizes, --records, or the default figures."""
    from django.db import connection

    if args.sizes:
        return [int(size) for size in args.sizes.split(",")]
    if args.records or args.reuse:
        return [args.records or 0]
    if args.backend == "elasticsearch":
        return [1_000_000]
    return [5_000, 100_000] if connection.vendor == "postgresql" else [5_000]


def _postgres_run(rounds: int) -> None:
    """The default figures on PostgreSQL: this script again, in a throwaway cluster."""
    print("== PostgreSQL (python -m devservices postgres)", flush=True)
    command = [sys.executable, "-m", "devservices", "postgres", "--", sys.executable]
    completed = subprocess.run(
        [*command, __file__, "--rounds", str(rounds)], cwd=Path(__file__).resolve().parent.parent
    )
    if completed.returncode == EXIT_UNAVAILABLE:
        print("PostgreSQL is not installed here: SQLite figures only")
    elif completed.returncode:
        sys.exit(completed.returncode)


def load(backend, args, records: int, schools: int) -> None:
    """Index `records` generated records (or keep what --reuse names)."""
    from django.db import connection

    print(
        f"backend={args.backend} db={connection.vendor} records={records} schools={schools} "
        f"load average={os.getloadavg()[0]:.2f}"
    )
    from search.models import SearchEntry

    if args.reuse and args.backend == "database" and SearchEntry.objects.exists():
        print(f"reusing {SearchEntry.objects.count()} entries (no reindex)")
    elif args.reuse_index and args.backend == "elasticsearch":
        print(f"reusing Elasticsearch index {args.index_prefix} (no reindex)")
    else:
        began = time.perf_counter()
        count = backend.rebuild(documents(records, schools))
        backend.refresh()
        seconds = time.perf_counter() - began
        print(
            f"full reindex: {count} documents ({records} records) in {seconds:.1f} s "
            f"= {count / seconds:.0f} documents/s (load average {os.getloadavg()[0]:.2f})"
        )


def inspector_queries(backend, schools: int, specs: list[dict]):
    """These queries as an inspector of every school asks them, each run once (caches warm)."""
    from search.types import ApprovedAccess, SearchFilters, SearchQuery, SearchScope

    scope = SearchScope(
        approved=ApprovedAccess(
            school_ids=tuple(range(1, schools + 1)), states=(S.APPROVED, S.SIGNED, S.PUBLISHED)
        )
    )
    queries = []
    for spec in specs:
        spec = dict(spec)
        filters = SearchFilters(
            years=spec.pop("years", ()), record_types=_codes(spec.pop("record_pages", ()))
        )
        queries.append(SearchQuery(filters=filters, per_page=20, **spec))
    for query in queries:  # warm caches once
        backend.query(query, scope)
    return queries, scope


def _server_cpu():
    """A clock of the CPU time of this connection's PostgreSQL backend, when the
    server runs on this machine (else None): the figure a loaded machine leaves
    comparable, where wall time counts the waits for a core."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    if not path.exists():
        return None
    return lambda: int(path.read_text().split()[0]) / 1e6


def measure(backend, queries, scope, rounds: int, label: str) -> None:
    """Wall and CPU time (this process: all of SQLite's work, only the client's
    for PostgreSQL and Elasticsearch; the PostgreSQL server's apart when it runs
    here) and SQL statements of each search; per query, the CPU of both sides."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    server = _server_cpu()
    walls: list[float] = []
    cpus: list[float] = []
    server_cpus: list[float] = []
    per_query: dict[str, list[float]] = {}
    per_query_cpu: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    statements: dict[str, int] = {}
    for _ in range(rounds):
        for query in queries:
            with CaptureQueriesContext(connection) as captured:
                t0, c0, s0 = time.perf_counter(), time.process_time(), server and server()
                result = backend.query(query, scope)
                walls.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
                if server:
                    server_cpus.append(server() - s0)
            name = query.text or "<all>"
            per_query.setdefault(name, []).append(walls[-1])
            per_query_cpu.setdefault(name, []).append(
                server_cpus[-1] + cpus[-1] if server else cpus[-1]
            )
            totals[name] = result.total
            statements[name] = len(captured.captured_queries)
    for text, values in per_query.items():
        print(
            f"  {text[:40]!r:42} total={totals[text]:>8}  p50={percentile(values, 50):7.1f} ms "
            f"p95={percentile(values, 95):7.1f} ms "
            f"CPU p50={percentile(per_query_cpu[text], 50):7.1f} ms statements={statements[text]}"
        )
    print(f"load average after queries: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{connection.vendor} {label}: inspector queries ({len(walls)} runs, "
        "facets + snippets included): "
        f"wall p50={percentile(walls, 50):.1f} ms p95={percentile(walls, 95):.1f} ms "
        f"p99={percentile(walls, 99):.1f} ms mean={statistics.mean(walls):.1f} ms | "
        f"CPU p50={percentile(cpus, 50):.1f} ms p95={percentile(cpus, 95):.1f} ms | "
        + (
            f"server CPU p50={percentile(server_cpus, 50):.1f} ms "
            f"p95={percentile(server_cpus, 95):.1f} ms | "
            if server_cpus
            else ""
        )
        + f"statements max={max(statements.values())}"
    )


if __name__ == "__main__":
    main()
