/**
 * Static evaluation of the JavaScript a migration file passes to its ORM calls (shared by the
 * Sequelize and Knex readers).
 *
 * Conventions: only what can be known without running the file becomes a value: string, number,
 * boolean and null literals, template literals without substitutions, array and object literals
 * of those, and references to the ORM's own namespaces (`Sequelize.STRING`, `DataTypes.ENUM('a')`,
 * `knex.fn.now()`), kept as `ref` / `call` values naming the dotted path. Anything else (a local
 * variable, a helper call, a spread, a computed key other than a path into those namespaces,
 * such as `[Sequelize.Op.ne]`) throws NotPlain with the node's line: the
 * caller then runs the file on a scratch database instead of guessing.
 */
import { Script } from 'node:vm';
import type { Node } from 'ts-morph';
import { ParseError } from '../../ir/diagnostics.js';

export type JsValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'undefined' }
  | { readonly kind: 'array'; readonly items: readonly JsValue[] }
  | {
      readonly kind: 'object';
      readonly entries: ReadonlyMap<string, JsValue>;
      /** computed keys that are an ORM's operator symbols, by dotted path
       * (`{ [Sequelize.Op.ne]: null }` -> 'Sequelize.Op.ne' -> null); only the readers that
       * know where the ORM takes them accept them (hasComputedKeys) */
      readonly computed?: ReadonlyMap<string, JsValue>;
    }
  /** a dotted path rooted at an allowed name: `Sequelize.DataTypes.STRING` -> ['Sequelize', 'DataTypes', 'STRING'] */
  | { readonly kind: 'ref'; readonly path: readonly string[] }
  | {
      readonly kind: 'call';
      readonly path: readonly string[];
      readonly args: readonly JsValue[];
      /** a method called on another call's value (`knex.whereNull('a').whereNotNull('b')`:
       * path ['whereNotNull'], on the call of knex.whereNull); only with EvalScope.methodChains */
      readonly on?: JsValue;
    }
  /** an identifier the caller allowed as opaque (the transaction `t` in `{ transaction: t }`) */
  | { readonly kind: 'opaque'; readonly name: string };

/** The file cannot be read statically: why, and where. */
export class NotPlain extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

export interface EvalScope {
  /** identifiers whose member paths are ORM namespaces (`Sequelize`, `DataTypes`, `knex`) */
  readonly roots: ReadonlySet<string>;
  /** identifiers allowed as opaque values (a transaction) */
  readonly opaque: ReadonlySet<string>;
  /** read `a.b(x).c(y)` as a call of c on the call a.b(x) (the Knex reader, for index predicates) */
  readonly methodChains?: boolean;
}

const notPlain = (node: Node, what: string): never => {
  throw new NotPlain(`${what}: \`${node.getText().slice(0, 60)}\``, node.getStartLineNumber());
};

/** The dotted path of `a.b.c`, or undefined when it is not a plain chain of names. */
export const dottedPath = (node: Node): string[] | undefined => {
  const k = node.getKindName();
  if (k === 'Identifier') return [node.getText()];
  if (k === 'PropertyAccessExpression') {
    const n = node as any;
    const left = dottedPath(n.getExpression());
    return left ? [...left, n.getName()] : undefined;
  }
  if (k === 'ParenthesizedExpression' || k === 'AwaitExpression') return undefined;
  return undefined;
};

export const evaluate = (node: Node, scope: EvalScope): JsValue => {
  const n = node as any;
  switch (node.getKindName()) {
    case 'StringLiteral':
    case 'NoSubstitutionTemplateLiteral':
      return { kind: 'string', value: n.getLiteralValue() };
    case 'NumericLiteral':
      return { kind: 'number', value: Number(n.getLiteralValue()) };
    case 'PrefixUnaryExpression': {
      const operand = evaluate(n.getOperand(), scope);
      if (operand.kind === 'number' && node.getText().startsWith('-'))
        return { kind: 'number', value: -operand.value };
      return notPlain(node, 'an operator expression');
    }
    case 'TrueKeyword':
      return { kind: 'boolean', value: true };
    case 'FalseKeyword':
      return { kind: 'boolean', value: false };
    case 'NullKeyword':
      return { kind: 'null' };
    case 'ParenthesizedExpression':
      return evaluate(n.getExpression(), scope);
    case 'ArrayLiteralExpression':
      return { kind: 'array', items: n.getElements().map((e: Node) => evaluate(e, scope)) };
    case 'ObjectLiteralExpression': {
      const entries = new Map<string, JsValue>();
      const computed = new Map<string, JsValue>();
      for (const p of n.getProperties() as Node[]) {
        const pk = p.getKindName();
        if (pk === 'PropertyAssignment') {
          const nameNode = (p as any).getNameNode();
          const nk = nameNode.getKindName();
          if (nk === 'ComputedPropertyName') {
            // `[Sequelize.Op.ne]`: a path into the ORM's namespaces, kept apart from the keys
            const path = dottedPath(nameNode.getExpression());
            if (!path || !scope.roots.has(path[0])) notPlain(p, 'a computed key');
            computed.set(path!.join('.'), evaluate((p as any).getInitializerOrThrow(), scope));
            continue;
          }
          const key =
            nk === 'Identifier'
              ? nameNode.getText()
              : nk === 'StringLiteral' || nk === 'NumericLiteral'
                ? String(nameNode.getLiteralValue())
                : notPlain(p, 'a computed key');
          entries.set(key, evaluate((p as any).getInitializerOrThrow(), scope));
        } else if (pk === 'ShorthandPropertyAssignment') {
          const name = (p as any).getName();
          if (scope.opaque.has(name)) entries.set(name, { kind: 'opaque', name });
          else notPlain(p, 'a shorthand property of a local variable');
        } else notPlain(p, 'a spread or method in an object literal');
      }
      return computed.size > 0
        ? { kind: 'object', entries, computed }
        : { kind: 'object', entries };
    }
    case 'Identifier': {
      const name = node.getText();
      if (name === 'undefined') return { kind: 'undefined' };
      if (scope.opaque.has(name)) return { kind: 'opaque', name };
      if (scope.roots.has(name)) return { kind: 'ref', path: [name] };
      return notPlain(node, 'a variable whose value is only known when the file runs');
    }
    case 'PropertyAccessExpression': {
      const path = dottedPath(node);
      if (path && scope.roots.has(path[0])) return { kind: 'ref', path };
      return notPlain(node, 'a property of a value only known when the file runs');
    }
    case 'CallExpression': {
      // `['line 1', 'line 2'].join('\n')`: how long SQL is laid out (ormshift's own files do it)
      const callee = n.getExpression();
      if (
        callee.getKindName() === 'PropertyAccessExpression' &&
        callee.getName() === 'join' &&
        callee.getExpression().getKindName() === 'ArrayLiteralExpression'
      ) {
        const items = evaluate(callee.getExpression(), scope);
        const args = n.getArguments().map((a: Node) => evaluate(a, scope));
        const sep =
          args.length === 0
            ? ','
            : args.length === 1 && args[0].kind === 'string'
              ? args[0].value
              : undefined;
        if (
          items.kind === 'array' &&
          sep !== undefined &&
          items.items.every((i) => i.kind === 'string')
        ) {
          return {
            kind: 'string',
            value: items.items.map((i) => (i as { value: string }).value).join(sep),
          };
        }
        return notPlain(node, 'a join() of values that are not literal strings');
      }
      if (
        scope.methodChains &&
        callee.getKindName() === 'PropertyAccessExpression' &&
        callee.getExpression().getKindName() === 'CallExpression'
      ) {
        const on = evaluate(callee.getExpression(), scope);
        return {
          kind: 'call',
          path: [callee.getName()],
          args: n.getArguments().map((a: Node) => evaluate(a, scope)),
          on,
        };
      }
      const path = dottedPath(n.getExpression());
      if (!path || !scope.roots.has(path[0]))
        return notPlain(node, 'a call of a function defined in the file or elsewhere');
      return { kind: 'call', path, args: n.getArguments().map((a: Node) => evaluate(a, scope)) };
    }
    case 'NewExpression': {
      // `new Sequelize.Deferrable.INITIALLY_DEFERRED()`: a value of the ORM's own classes, by its path
      const path = dottedPath(n.getExpression());
      if (!path || !scope.roots.has(path[0])) return notPlain(node, 'a NewExpression');
      return {
        kind: 'call',
        path,
        args: (n.getArguments() ?? []).map((a: Node) => evaluate(a, scope)),
      };
    }
    default:
      return notPlain(node, `a ${node.getKindName()}`);
  }
};

/** Does `v` hold a computed key anywhere (evaluate keeps them apart; a reader that does not
 * read them must refuse them, not drop them)? */
export const hasComputedKeys = (v: JsValue | undefined): boolean =>
  v?.kind === 'object'
    ? (v.computed?.size ?? 0) > 0 || [...v.entries.values()].some(hasComputedKeys)
    : v?.kind === 'array'
      ? v.items.some(hasComputedKeys)
      : v?.kind === 'call'
        ? v.args.some(hasComputedKeys)
        : false;

export const str = (v: JsValue | undefined): string | undefined =>
  v?.kind === 'string' ? v.value : undefined;
export const num = (v: JsValue | undefined): number | undefined =>
  v?.kind === 'number' ? v.value : undefined;
export const bool = (v: JsValue | undefined): boolean | undefined =>
  v?.kind === 'boolean' ? v.value : undefined;
export const field = (v: JsValue | undefined, key: string): JsValue | undefined =>
  v?.kind === 'object' ? v.entries.get(key) : undefined;
/** The last name of a ref/call path (`Sequelize.DataTypes.STRING` -> `STRING`). */
export const leaf = (v: JsValue | undefined): string | undefined =>
  v?.kind === 'ref' || v?.kind === 'call' ? v.path[v.path.length - 1] : undefined;

/** One SQL statement an ORM call sends, with the line of the call in the migration file. */
export interface OrmStatement {
  readonly sql: string;
  readonly line: number;
}

/** A migration file as the static reader saw it. */
export type StaticRead =
  | {
      readonly plain: true;
      /** the SQL the file's up() sends, in order, as the ORM would send it to PostgreSQL */
      readonly statements: readonly OrmStatement[];
      /** calls that change rows, not the schema (bulkInsert...): accounted for, not compared */
      readonly dataCalls: readonly OrmStatement[];
    }
  | { readonly plain: false; readonly reason: string; readonly line: number };

/** Parses JavaScript/TypeScript source with ts-morph (in memory, no type checking). */
export const parseSource = async (fileName: string, text: string) => {
  const { Project } = await import('ts-morph');
  const project = new Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: true },
  });
  const sf = project.createSourceFile(
    fileName.replace(/\.(c|m)?js$/, '.js').replace(/\.(c|m)ts$/, '.ts'),
    text,
  );
  checkSyntax(fileName, text, sf);
  return sf;
};

/**
 * A file Node would not load is an error, never a file read with holes: TypeScript's parser
 * recovers from syntax errors (its parse diagnostics say where), and for a CommonJS file Node's
 * own compiler (vm.Script, with the wrapper Node puts around every module) has the last word,
 * catching what TypeScript accepts in a .js file (type annotations, for one).
 */
const checkSyntax = (fileName: string, text: string, sf: import('ts-morph').SourceFile): void => {
  const parse = ((
    sf.compilerNode as unknown as {
      parseDiagnostics?: { start?: number; messageText: string | { messageText: string } }[];
    }
  ).parseDiagnostics ?? [])[0];
  if (parse) {
    const at = sf.getLineAndColumnAtPos(parse.start ?? 0);
    const msg =
      typeof parse.messageText === 'string' ? parse.messageText : parse.messageText.messageText;
    throw new ParseError(`Node cannot parse this file: ${msg}`, {
      file: fileName,
      line: at.line,
      col: at.column,
    });
  }
  const esm =
    sf.getImportDeclarations().length > 0 ||
    sf.getExportDeclarations().length > 0 ||
    sf.getExportAssignments().length > 0 ||
    sf.getStatements().some((st) => /^export\s/.test(st.getText()));
  if (/\.(ts|mts|cts|mjs)$/.test(fileName) || esm) return;
  try {
    // the CommonJS wrapper on the first line keeps line numbers; compiled, never run
    new Script(
      `(function (exports, require, module, __filename, __dirname) {${text.replace(/^#!.*/, '')}\n})`,
      { filename: fileName },
    );
  } catch (e) {
    const line = Number(/^[^\n]*:(\d+)\n/.exec((e as Error).stack ?? '')?.[1] ?? 1);
    throw new ParseError(`Node cannot parse this file: ${(e as Error).message}`, {
      file: fileName,
      line,
    });
  }
};
