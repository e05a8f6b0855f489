// Validates CSAF 2.0 documents with the BSI validator library: the strict schema, every mandatory
// test and every optional test. Prints one JSON object: per file, every test that failed or warned.
// Usage: node validate.mjs FILE...
import { readFile } from 'node:fs/promises'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as schema from '@secvisogram/csaf-validator-lib/schemaTests.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import * as optional from '@secvisogram/csaf-validator-lib/optionalTests.js'

const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory), ...Object.values(optional)]
const report = { tests: tests.map((t) => t.name), files: {} }
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(await readFile(file, 'utf8'))
  const result = await validateStrict(tests, doc)
  report.files[file] = {
    isValid: result.isValid,
    problems: result.tests
      .filter((t) => !t.isValid || t.errors.length > 0 || t.warnings.length > 0)
      .map((t) => ({ test: t.name, errors: t.errors, warnings: t.warnings })),
  }
}
console.log(JSON.stringify(report))
