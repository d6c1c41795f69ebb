/**
 * Splits the text of a JSON array into its elements' texts, each with its index and the line it starts on, without
 * parsing them: so a broken record is reported alone, with where it is, and the others still import. Only strings
 * and brackets are tracked; what is inside an element is JSON.parse's business.
 */

export interface JsonElement {
  index: number;
  /** 1-based. */
  line: number;
  text: string;
}

/** The file as a whole is not a JSON array: nothing is imported. */
export class ImportFileError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ImportFileError';
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

export function splitJsonArray(text: string): JsonElement[] {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const skipWhitespace = () => {
    for (; i < text.length && WHITESPACE.has(text[i]!); i++) if (text[i] === '\n') line++;
  };
  skipWhitespace();
  if (text[i] !== '[') throw new ImportFileError(line, 'expected a JSON array of users ("[ {...}, {...} ]")');
  i++;
  const elements: JsonElement[] = [];
  skipWhitespace();
  if (text[i] === ']') i++;
  else {
    for (;;) {
      skipWhitespace();
      const start = i;
      const startLine = line;
      let depth = 0;
      let inString = false;
      for (; i < text.length; i++) {
        const c = text[i];
        if (c === '\n') line++;
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && depth > 0) depth--;
        else if ((c === ',' || c === ']') && depth === 0) break;
      }
      if (i >= text.length) throw new ImportFileError(startLine, 'the array does not end: an unterminated string or a missing "]"?');
      elements.push({ index: elements.length, line: startLine, text: text.slice(start, i).trimEnd() });
      if (text[i++] === ']') break;
    }
  }
  skipWhitespace();
  if (i < text.length) throw new ImportFileError(line, 'unexpected text after the array');
  return elements;
}
