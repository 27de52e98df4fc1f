/**
 * CSV syntax shared by every import and export (maps, invitation lists, annotation exports).
 *
 * Syntax is RFC 4180: fields holding a comma, quote, CR or LF are quoted and quotes doubled;
 * line breaks inside quoted fields are kept exactly. Reading tolerates LF or lone CR line
 * endings; writing uses CRLF. Records carry the physical line where they start.
 *
 * Formula neutralisation (CSV injection): a spreadsheet runs a cell that starts with =, +, -, @,
 * tab or CR as a formula, so writing prefixes such a cell with an apostrophe. To make that
 * reversible, a cell that already is apostrophes followed by a trigger gets one more, and
 * reading removes exactly one apostrophe from any cell of that shape:
 *   =SUM(A1) → '=SUM(A1)    '=x → ''=x    'plain → 'plain (untouched)    -2 → '-2
 * Pure and dependency-free, so it also runs in a browser bundle.
 */
const FORMULA_TRIGGER = /^'*[=+\-@\t\r]/;
const NEUTRALISED_FORMULA = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  line: number;
  cells: string[];
}

// ---------------------------------------------------------------------------------------------
// Cells

/** Makes a cell inert in a spreadsheet; see the module header for why it is reversible. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_TRIGGER.test(cell) ? `'${cell}` : cell;
}

export function restoreFormula(cell: string): string {
  return NEUTRALISED_FORMULA.test(cell) ? cell.slice(1) : cell;
}

export function quoteCell(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

// ---------------------------------------------------------------------------------------------
// Syntax

/**
 * Splits CSV text into records (RFC 4180, tolerating LF and lone CR line breaks). Blank lines
 * are skipped. Malformed quoting is reported and read as literally as possible; an unclosed
 * quote ends reading, since everything after it is inside the field.
 */
export function splitCsvRecords(source: string): { records: CsvRecord[]; problems: string[] } {
  const records: CsvRecord[] = [];
  const problems: string[] = [];
  let cells: string[] = [];
  let field = '';
  let isFieldQuoted = false;
  let isAtFieldStart = true;
  let line = 1;
  let recordLine = 1;
  let pos = 0;
  let strayQuoteLine = 0;

  const endField = () => {
    cells.push(field);
    field = '';
    isFieldQuoted = false;
    isAtFieldStart = true;
  };
  const endRecord = () => {
    const isBlankLine = cells.length === 0 && field === '' && !isFieldQuoted;
    endField();
    if (!isBlankLine) records.push({ line: recordLine, cells });
    cells = [];
  };

  while (pos < source.length) {
    const char = source[pos]!;
    if (isAtFieldStart && char === '"') {
      isAtFieldStart = false;
      isFieldQuoted = true;
      pos++;
      let isClosed = false;
      while (pos < source.length) {
        const close = source.indexOf('"', pos);
        const chunk = close === -1 ? source.slice(pos) : source.slice(pos, close);
        line += countLineBreaks(chunk);
        field += chunk;
        if (close === -1) {
          pos = source.length;
          break;
        }
        if (source[close + 1] === '"') {
          field += '"';
          pos = close + 2;
          continue;
        }
        pos = close + 1;
        isClosed = true;
        break;
      }
      if (!isClosed) {
        problems.push(`line ${recordLine}: a quoted field is not closed`);
        return { records, problems };
      }
      const next = source[pos];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        problems.push(`line ${recordLine}: unexpected text after a closing quote (double a quote inside a quoted field)`);
      }
      continue;
    }
    isAtFieldStart = false;
    if (char === ',') {
      endField();
      pos++;
    } else if (char === '\r' || char === '\n') {
      endRecord();
      pos += char === '\r' && source[pos + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      if (char === '"' && strayQuoteLine !== recordLine) {
        problems.push(`line ${recordLine}: a quote inside an unquoted field (quote the field and double the quote)`);
        strayQuoteLine = recordLine; // once per row is enough to find it
      }
      field += char;
      pos++;
    }
  }
  if (cells.length > 0 || field !== '' || isFieldQuoted) endRecord();
  return { records, problems };
}

function countLineBreaks(chunk: string): number {
  let count = 0;
  for (let i = 0; i < chunk.length; i++) {
    const char = chunk[i];
    if (char === '\n') count++;
    else if (char === '\r') {
      count++;
      if (chunk[i + 1] === '\n') i++;
    }
  }
  return count;
}

