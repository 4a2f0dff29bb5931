/** Generated docs match their sources of truth (run `npm run docs` after changing them). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { citedProperties, exampleVariables, generatedDocs, PLATFORM_VARIABLES } from "../../scripts/docs";
import { configSchema } from "../../lib/config";
import { SECURITY_PROPERTIES } from "../../scripts/security-properties";

describe("generated documentation", () => {
  it.each(Object.entries(generatedDocs))("%s is what its source generates", (file, make) => {
    expect(readFileSync(file, "utf8")).toBe(make());
  });

  it("every #NN cited in code and tests is a listed security property", () => {
    const unknown = [...citedProperties().keys()].filter((n) => !(n in SECURITY_PROPERTIES));
    expect(unknown).toEqual([]);
  });

  it(".env.example lists exactly the variables lib/config.ts reads, each with a meaning, once", () => {
    const example = exampleVariables();
    const names = example.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const schemaNames = Object.keys(configSchema.shape).filter((n) => !PLATFORM_VARIABLES.includes(n));
    expect([...names].sort()).toEqual(schemaNames.sort());
    expect(example.filter((v) => v.meaning === "").map((v) => v.name)).toEqual([]);
  });
});
