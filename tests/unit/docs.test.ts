/** Generated docs match their sources of truth (run `npm run docs` after changing them). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { citedProperties, generatedDocs } from "../../scripts/docs";
import { SECURITY_PROPERTIES } from "../../scripts/security-properties";

describe("generated documentation", () => {
  it.each(Object.entries(generatedDocs))("%s is what its source generates", (file, make) => {
    expect(readFileSync(file, "utf8")).toBe(make());
  });

  it("every #NN cited in code and tests is a listed security property", () => {
    const unknown = [...citedProperties().keys()].filter((n) => !(n in SECURITY_PROPERTIES));
    expect(unknown).toEqual([]);
  });
});
