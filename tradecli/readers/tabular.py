"""What the download formats share: reading delimited text through pyarrow, and
small parsers for the way downloads write periods, scales and names.

``read_delimited`` reads CSV or TSV, plain or gzip (detected from the bytes),
UTF-8 or Windows-1252, keeps only the columns asked for, all as strings, and
gives every row its file line (``__line``). A ``keep`` callback sees each batch
before it is kept, so a bulk file of millions of commodity rows is reduced to
the few rows wanted while it streams. Rows with the wrong number of fields are
problems, all of them listed.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tradecli.countries import normalize_name
from tradecli.errors import BadInput, BadPeriod, Problem, UnknownCountry
from tradecli.observations import empty, finish, keep_reporters
from tradecli.periods import Period, month_index
from tradecli.readers.common import ReadContext

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
LINE = "__line"
TRAILING = "__trailing"
_HEAD_SIZE = 1 << 18
_SAMPLE_LINES = 21
_BLOCK_SIZE = 1 << 22

# -- bytes and headers -------------------------------------------------------------


def head_bytes(path: Path, size: int = _HEAD_SIZE) -> bytes:
    """The first ``size`` bytes of a file, decompressed when it is gzip."""
    with path.open("rb") as handle:
        start = handle.read(size)
    if start.startswith(GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(size)
        except (OSError, EOFError):
            return b""
    return start


def is_text(head: bytes) -> bool:
    return bool(head) and b"\x00" not in head[:4096] and not head.startswith(ZIP_MAGIC)


def _decode_head(head: bytes) -> str:
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the end of the sample
            return head[: exc.start].decode("utf-8-sig")
        return head.decode("cp1252", errors="replace")


def _first_lines(head: bytes, count: int) -> list[str]:
    lines = [line for line in _decode_head(head).splitlines() if line.strip()]
    return lines[:count]


def delimiter_of(line: str) -> str:
    return "\t" if line.count("\t") > line.count(",") else ","


def header_from(head: bytes) -> list[str]:
    """The header of a delimited text, split on commas or tabs; [] for binary data."""
    if not is_text(head):
        return []
    lines = _first_lines(head, 1)
    if not lines:
        return []
    return next(csv.reader([lines[0]], delimiter=delimiter_of(lines[0])), [])


def norm_header(name: str) -> str:
    """A column name in lower-case letters and digits: ``Trade Value (US$)`` → ``tradevalueus``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def columns_by_norm(header: Sequence[str]) -> dict[str, str]:
    """Normalised name → the name as written (the first, when two normalise alike)."""
    out: dict[str, str] = {}
    for name in header:
        out.setdefault(norm_header(name), name)
    return out


# -- delimited text ----------------------------------------------------------------


@dataclass(frozen=True)
class TextTable:
    """Rows of a delimited file as strings, with their file line in ``__line``."""

    frame: pd.DataFrame
    header: list[str]


Keep = Callable[[pa.RecordBatch], pa.Array]


def read_delimited(
    path: Path,
    columns: Sequence[str] | None = None,
    keep: Keep | None = None,
    trailing_comma: bool = False,
) -> TextTable:
    """Read a CSV/TSV file (plain or gzip; UTF-8 or Windows-1252) into strings.

    ``columns``: header names to keep (default all). ``keep``: a mask over each
    batch of rows (blank rows are dropped first). ``trailing_comma``: accept rows
    that end with one empty extra field when most data rows do (UN Comtrade+
    downloads). Raises ``BadInput`` listing every row of the wrong width.
    """
    file = str(path)
    head = head_bytes(path)
    if not is_text(head):
        raise BadInput([Problem(file, None, "", "", "not a text/CSV file (binary content)")])
    lines = _first_lines(head, _SAMPLE_LINES)
    if not lines:
        raise BadInput([Problem(file, None, "", "", "file is empty")])
    delimiter = delimiter_of(lines[0])
    parsed = list(csv.reader(lines, delimiter=delimiter))
    header = parsed[0]
    # the quirk of Comtrade+ downloads: most data rows carry one empty extra field
    widened = sum(len(row) == len(header) + 1 and not row[-1].strip() for row in parsed[1:])
    trailing = trailing_comma and widened * 2 > len(parsed) - 1
    names = [*header, TRAILING] if trailing else list(header)
    wanted = list(columns) if columns is not None else list(header)
    if trailing:
        wanted.append(TRAILING)
    encoding = text_encoding(path)
    try:
        frame, problems = _read(
            path, encoding, delimiter, names, wanted, keep, len(header), trailing
        )
    except pa.ArrowInvalid as exc:
        raise BadInput([Problem(file, None, "", "", f"cannot read as CSV: {exc}")]) from None
    except UnicodeDecodeError:
        message = "text is neither UTF-8 nor Windows-1252; re-save the file as UTF-8"
        raise BadInput([Problem(file, None, "", "", message)]) from None
    if problems:
        raise BadInput(problems)
    return TextTable(frame, header)


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if _is_gzip(path) else path.open("rb")


def text_encoding(path: Path) -> str:
    """``utf8`` when the whole text (decompressed) is UTF-8, else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_bytes(path) as handle:
        try:
            while chunk := handle.read(_BLOCK_SIZE):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf8"


def _read(
    path: Path,
    encoding: str,
    delimiter: str,
    names: list[str],
    wanted: list[str],
    keep: Keep | None,
    width: int,
    trailing: bool,
) -> tuple[pd.DataFrame, list[Problem]]:
    file = str(path)
    problems: list[Problem] = []

    def ragged(row: pacsv.InvalidRow) -> str:
        note = " (the other rows end with a trailing comma)" if trailing else ""
        message = f"row has {row.actual_columns} fields, the header has {width}{note}"
        problems.append(Problem(file, row.number, "", row.text[:60], message))
        return "skip"

    read_options = pacsv.ReadOptions(
        use_threads=False,
        skip_rows=1,
        column_names=names,
        encoding=encoding,
        block_size=_BLOCK_SIZE,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter,
        invalid_row_handler=ragged,
        newlines_in_values=False,
        ignore_empty_lines=False,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={n: pa.string() for n in wanted},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    kept: list[pa.RecordBatch] = []
    offset = 0
    with pa.OSFile(str(path)) as source:
        stream = pa.CompressedInputStream(source, "gzip") if _is_gzip(path) else source
        reader = pacsv.open_csv(stream, read_options, parse_options, convert_options)
        for batch in reader:
            n = batch.num_rows
            lines = pa.array(range(offset + 2, offset + 2 + n), type=pa.int64())
            offset += n
            batch = pa.RecordBatch.from_arrays([*batch.columns, lines], [*batch.schema.names, LINE])
            filled = [
                pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(c)), 0)
                for c in batch.columns[:-1]
            ]
            mask = filled[0]
            for other in filled[1:]:
                mask = pc.or_(mask, other)
            batch = batch.filter(mask)
            if keep is not None and batch.num_rows:
                batch = batch.filter(keep(batch))
            if batch.num_rows:
                kept.append(batch)
    schema = pa.schema([*((n, pa.string()) for n in wanted), (LINE, pa.int64())])
    table = pa.Table.from_batches(kept, schema=schema) if kept else schema.empty_table()
    frame = table.to_pandas()
    if trailing and len(frame):
        extra = frame[TRAILING].str.strip() != ""
        problems.extend(
            Problem(
                file,
                int(line),
                "",
                value[:60],
                f"row has {width + 1} fields, the header has {width}",
            )
            for line, value in zip(frame.loc[extra, LINE], frame.loc[extra, TRAILING], strict=True)
        )
        frame = frame.drop(columns=[TRAILING])
    return frame, problems


def stripped(column: pa.Array) -> pa.Array:
    """Upper-case, trimmed strings (for comparing codes in a ``keep`` callback)."""
    return pc.utf8_upper(pc.utf8_trim_whitespace(column))


# -- periods, scales, names ------------------------------------------------------

_LABEL = re.compile(r"^(\d{4})(?:[-\s]?([MQSH])(\d{1,2}))?$", re.IGNORECASE)


def period_label(text: object) -> Period | None:
    """A period written as a column header or TIME_PERIOD: ``2022``, ``2022M01``,
    ``2022-M01``, ``2022Q1``, ``2022-Q1``, ``2022S1``/``2022H1`` (half), ``2022-01``.
    None when the text is not a period."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return Period.year(int(text)) if float(text).is_integer() and 1900 <= text <= 2999 else None
    raw = str(text).strip()
    m = _LABEL.match(raw)
    if m:
        year = int(m[1])
        if not m[2]:
            return Period.year(year)
        kind, number = m[2].upper(), int(m[3])
        size = {"M": 1, "Q": 3, "S": 6, "H": 6}[kind]
        if not 1 <= number <= 12 // size:
            return None
        last = month_index(year, number * size)
        return Period(last - size + 1, last)
    if re.match(r"^\d{4}-\d{2}$", raw):
        try:
            return Period.parse(raw)
        except BadPeriod:
            return None
    return None


SCALE_WORDS = {
    "unit": 1.0,
    "units": 1.0,
    "ones": 1.0,
    "thousand": 1e3,
    "thousands": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "billion": 1e9,
    "billions": 1e9,
}


def scale_of(text: str) -> float | None:
    """The multiplier a text names ("US Dollars, Millions" → 1e6), or None."""
    words = re.findall(r"[a-z]+", text.lower())
    found = {SCALE_WORDS[w] for w in words if w in SCALE_WORDS}
    return found.pop() if len(found) == 1 else None


def slug(name: str) -> str:
    """``Areas, nes`` → ``AREAS-NES``: a readable upper-case code for an aggregate."""
    plain = re.sub(r"\([^)]*\)", " ", name)
    return "-".join(normalize_name(plain).upper().split())


def resolve_entities(
    frame: pd.DataFrame,
    columns: Sequence[str],
    resolver: Callable[[tuple[str, ...]], str],
    file: str,
    report: str,
    problems: list[Problem],
    label: str | None = None,
) -> pd.Series:
    """Resolve each distinct tuple of ``columns`` once; a failure is a problem on every
    row that holds it, showing that row's text in column ``report`` (named ``label``)."""
    keys = pd.Series(
        list(zip(*(frame[c].str.strip() for c in columns), strict=True)),
        index=frame.index,
        dtype=object,
    )
    mapping: dict[tuple[str, ...], str] = {}
    failures: dict[tuple[str, ...], str] = {}
    for key in dict.fromkeys(keys):
        try:
            mapping[key] = resolver(key)
        except UnknownCountry as exc:
            failures[key] = str(exc)
    if failures:
        bad = keys.isin(list(failures))
        for line, key, text in zip(
            frame.loc[bad, LINE], keys[bad], frame.loc[bad, report], strict=True
        ):
            problems.append(Problem(file, int(line), label or report, text, failures[key]))
    return keys.map(mapping)


def first_resolved(context: ReadContext, texts: Sequence[str]) -> str:
    """The first of ``texts`` that resolves; else ``UnknownCountry`` from the last one tried."""
    error: UnknownCountry | None = None
    for text in texts:
        if text.strip():
            try:
                return context.resolve(text)
            except UnknownCountry as exc:
                error = exc
    raise error or UnknownCountry("no country name or code")


def numbers(
    values: pd.Series,
    lines: pd.Series,
    file: str,
    column: str,
    problems: list[Problem],
    missing: Sequence[str] = (),
) -> pd.Series:
    """Parse trade values (thousands separators allowed); a value that is negative, not a
    number or empty is a problem unless its text is one of ``missing`` (then NaN)."""
    text = values.astype("str").str.strip()
    number = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    absent = text.str.lower().isin([m.lower() for m in missing])
    for line, original, num, skip in zip(lines, values, number, absent, strict=True):
        if skip:
            continue
        message = (
            "missing value"
            if not str(original).strip()
            else "not a number"
            if pd.isna(num) or abs(num) == float("inf")
            else "negative value: trade values are not negative"
            if num < 0
            else ""
        )
        if message:
            problems.append(Problem(file, int(line), column, str(original), message))
    return number.where(~absent).astype("float64")


def finished(frame: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    """A reader's last step: repeated figures once, canonical columns, the reporters asked."""
    if frame.empty:
        return empty()
    return keep_reporters(finish(drop_repeated(frame, file, context)), context.reporters)


def drop_repeated(frame: pd.DataFrame, file: str, context: ReadContext) -> pd.DataFrame:
    """One observation for a figure the file prints twice (same series, span and value)."""
    key = ["reporter", "partner", "flow", "first", "last", "value", "currency"]
    repeated = frame.duplicated(subset=key, keep="first")
    if bool(repeated.any()):
        context.notes.append(f"{file}: {int(repeated.sum())} figure(s) printed twice counted once")
        frame = frame[~repeated]
    return frame


def skipped_note(file: str, what: str, counts: pd.Series) -> str:
    """``file: left out N rows of <what>: RX (3), RM (1)``."""
    listed = ", ".join(f"{k} ({int(v)})" for k, v in counts.items())
    return f"{file}: left out {int(counts.sum())} row(s) of {what}: {listed}"
