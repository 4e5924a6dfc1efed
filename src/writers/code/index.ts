/**
 * The one place where emitted text is built: escaping (js-string), value rendering and line
 * printing (printer), and the final prettier pass (format). Writers import from here only.
 */
export { commentText, jsKey, jsString, jsTemplate } from './js-string.js';
export {
  arrowExpr,
  awaitExpr,
  binaryExpr,
  call,
  callExpr,
  code,
  isCallOf,
  js,
  memberExpr,
  newExpr,
  obj,
  sqlExpr,
  Printer,
  type Js,
  type JsCode,
  type JsObject,
  type JsIf,
  type JsStatementOf,
  type JsTemplate,
} from './printer.js';
export { layout, layoutBody, statementsDoc } from './layout.js';
export {
  DEFAULT_PRETTIER_OPTIONS,
  format,
  formatIfNeeded,
  type FormatOptions,
  type Parser,
} from './format.js';
