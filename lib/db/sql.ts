/**
 * A tagged template that builds parameterised SQL: every interpolated value becomes a bound
 * parameter ($1, $2, ...). Fragments made with `sql` may be nested; they are inlined with their
 * parameters renumbered. There is no way to splice a raw string: SQL is never concatenated.
 */

export interface SqlQuery {
  readonly text: string;
  readonly values: readonly unknown[];
}

const FRAGMENT = Symbol("sql.fragment");

interface Fragment extends SqlQuery {
  readonly [FRAGMENT]: true;
}

function isFragment(value: unknown): value is Fragment {
  return typeof value === "object" && value !== null && FRAGMENT in value;
}

export function sql(strings: TemplateStringsArray, ...params: unknown[]): Fragment {
  let text = strings[0] ?? "";
  const values: unknown[] = [];
  params.forEach((param, i) => {
    if (isFragment(param)) {
      const offset = values.length;
      text += param.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
      values.push(...param.values);
    } else {
      values.push(param);
      text += `$${values.length}`;
    }
    text += strings[i + 1] ?? "";
  });
  return { text, values, [FRAGMENT]: true };
}

/** Joins fragments with a separator fragment (e.g. sql` AND `). */
export function joinSql(parts: readonly Fragment[], separator: Fragment): Fragment {
  return parts.reduce<Fragment | null>((acc, part) => (acc ? sql`${acc}${separator}${part}` : part), null) ?? sql``;
}
