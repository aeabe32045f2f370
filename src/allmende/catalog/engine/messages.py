"""User-facing messages of the dataset engine.

Every text a person uploading or querying a dataset may see lives here, as an
English string marked with ``_`` so the web layer can extract and translate it
later (the marker is a no-op here to keep the engine free of Django).  Messages
are ``str.format`` templates; keep placeholders named.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Mark ``message`` for translation without translating it."""
    return message


FILE_EMPTY = _("The file is empty. Please upload a file that contains a table.")
FILE_TOO_LARGE = _(
    "The file is {size_mb} MB, which is larger than the allowed {limit_mb} MB. "
    "Please split it into smaller files or contact the site administrators."
)
FILE_NOT_TABULAR = _(
    "We could not find a table in this file. Please upload a CSV, Excel (.xlsx), "
    "JSON or GeoJSON file with one row per record and a header row."
)
FILE_BINARY = _(
    "This file does not look like a text or spreadsheet file (it contains binary "
    "data). Please check that you chose the right file and that it is saved as "
    "CSV, Excel (.xlsx), JSON or GeoJSON."
)
FORMAT_UNSUPPORTED = _(
    "Files of type '{extension}' cannot be loaded as a table. Supported are CSV, "
    "TSV, Excel (.xlsx), JSON and GeoJSON."
)
TOO_MANY_COLUMNS = _(
    "The table has {count} columns, but at most {limit} are supported. Please "
    "remove columns you do not need or split the table."
)
NO_ROWS = _("The table has a header row but no data rows.")
CELL_TOO_LONG = _(
    "A row or cell in the file is longer than the allowed {limit} characters. "
    "Please check the file for very long texts or broken quotation marks."
)
CSV_BROKEN = _(
    "The file could not be read as a table near row {row}. Often a quotation "
    "mark is missing or a row has a different number of columns. Details: {detail}"
)
XLSX_BROKEN = _(
    "The Excel file could not be opened. It may be damaged or password "
    "protected. Please save it again in Excel or export it as CSV."
)
XLSX_TOO_BIG_UNPACKED = _(
    "The Excel file unpacks to more than {limit_mb} MB, which is more than we "
    "can load. Please export the sheet as CSV or split it."
)
XLSX_NO_SHEET = _("The Excel file does not contain a worksheet named '{sheet}'.")
JSON_BROKEN = _(
    "The JSON file could not be read: {detail}. Please check that it is valid JSON."
)
JSON_TOO_DEEP = _(
    "The JSON data is nested more than {limit} levels deep. Please upload a flat "
    "list of records (an array of objects)."
)
JSON_NOT_RECORDS = _(
    "The JSON file must contain a list of records (objects), one per row, or one "
    "record per line."
)
GEOJSON_NOT_FEATURES = _(
    "The GeoJSON file must contain a FeatureCollection with a list of features."
)
JSON_TOO_LARGE = _(
    "JSON files can be at most {limit_mb} MB. Please use one record per line "
    "(NDJSON) or CSV for larger data."
)
OUT_OF_RESOURCES = _(
    "Loading the file needed more memory or disk space than available. Please "
    "try a smaller file or contact the site administrators."
)

# Type widening and validation notices (shown in the validation report).
TYPE_WIDENED = _(
    "Column '{column}' looks like {looks_like}, but {count} value(s) do not fit, "
    "so it is stored as {stored_as}. Example: row {row}: '{value}'."
)
VALUE_NOT_TYPE = _("The value does not fit the type {type} and was left empty.")
VALUE_TRUNCATED = _("The value is longer than {limit} characters and was shortened.")

# Query errors.
UNKNOWN_COLUMN = _("There is no column named '{column}'.")
UNKNOWN_OPERATOR = _("Unknown filter operator '{operator}'.")
BAD_FILTER_VALUE = _("The value '{value}' is not a valid {type} for column '{column}'.")
BAD_PAGE_TOKEN = _("The page link is invalid or out of date. Please start again.")
BAD_QUERY = _("The query is not valid: {detail}")
LIMIT_OUT_OF_RANGE = _("The page size must be between 1 and {limit}.")
OFFSET_OUT_OF_RANGE = _("The number of rows to skip must be between 0 and {limit}.")
RESOURCE_NOT_READY = _("This dataset has not been loaded yet.")

# SQL sandbox errors.
SQL_EMPTY = _("Please enter a SQL query.")
SQL_SYNTAX = _("The SQL query could not be understood.")
SQL_ONE_STATEMENT = _("Please enter exactly one SQL statement (found {count}).")
SQL_ONLY_SELECT = _(
    "Only reading queries (SELECT) are allowed here; '{kind}' statements are not."
)
SQL_TIMEOUT = _(
    "The query took longer than {seconds} seconds and was stopped. Try adding "
    "filters or a LIMIT."
)
SQL_MEMORY = _("The query needed more than {limit} of memory and was stopped.")
SQL_FORBIDDEN = _(
    "The query tried to access files, the network or settings, which is not "
    "allowed. Only the table 'data' can be queried."
)
SQL_FAILED = _("The query failed.")
SQL_TOO_LONG = _("The SQL query is longer than {limit} characters.")
SQL_RESULT_TOO_LARGE = _(
    "The answer is larger than {limit} bytes. Select fewer columns or rows."
)
SQL_BUSY = _("Too many queries are running. Please try again in a moment.")
SQL_CLIENT_BUSY = _(
    "You are running {limit} queries at once already. Wait for one to finish."
)
