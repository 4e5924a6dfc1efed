/**
 * The one place where emitted text is built: escaping (js-string), value rendering and line
 * printing (printer), and the final prettier pass (format). Writers import from here only.
 */
export { commentText, firstLine, jsKey, jsString } from './js-string.js';
export { call, code, js, obj, Printer, type Js, type JsCode, type JsObject } from './printer.js';
export { DEFAULT_PRETTIER_OPTIONS, format, type FormatOptions, type Parser } from './format.js';
