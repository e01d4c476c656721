import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../../core/index.ts';
import { checkCatalogue, checkModel, type ModelFinding } from '../../../../gateway/models/check.ts';
import { ALL_MODELS, CJT188_MODELS, DLT645_MODELS, MBUS_MODELS, MODELS, findModel } from '../../../../gateway/models/index.ts';
import { findProtocolModel } from '../../../../gateway/protocols/registry.ts';

// One test across every model, so a new vendor file is checked the moment it is listed. The rules
// are those of gateway/models/check.ts, the same that `gateway check` and `gateway run` apply to
// the register table of a config-defined meter; test/unit/gateway/models/check.test.ts shows each.
const problems = (findings: readonly ModelFinding[], name: string) => findings.map((f) => `${name}: ${formatPath(f.path)}: ${f.message}`);

describe('meter model invariants', () => {
  it('every model of every protocol passes the model checker', () => {
    expect(MODELS.length).toBeGreaterThanOrEqual(12);
    expect(ALL_MODELS.length).toBe(MODELS.length + DLT645_MODELS.length + CJT188_MODELS.length + MBUS_MODELS.length);
    expect(ALL_MODELS.flatMap((m) => problems(checkModel(m), m.name))).toEqual([]);
  });

  it('names are unique across protocols, none is "generic", and each is found by its name', () => {
    expect(problems(checkCatalogue(ALL_MODELS), 'catalogue')).toEqual([]);
    const lost: string[] = [];
    for (const m of MODELS) if (findModel(m.name.toUpperCase()) !== m) lost.push(m.name);
    for (const m of [...DLT645_MODELS, ...CJT188_MODELS, ...MBUS_MODELS]) {
      if (findProtocolModel(m.protocol, m.name.toUpperCase()) !== m) lost.push(m.name);
    }
    expect(lost).toEqual([]);
  });

  it('covers electricity, water and heat meters', () => {
    const count = (kind: string) => MODELS.filter((m) => m.kind === kind).length;
    expect(count('electricity')).toBeGreaterThanOrEqual(5);
    expect(count('water')).toBeGreaterThanOrEqual(2);
    expect(count('heat')).toBeGreaterThanOrEqual(2);
  });

  it('generic is never a fixed model', () => {
    expect(findModel('generic')).toBeUndefined();
    expect(findModel('GENERIC')).toBeUndefined();
  });
});

describe('protocol model coverage (DL/T 645-2007, CJ/T 188)', () => {
  it('covers generic and vendor models of both protocols', () => {
    expect(DLT645_MODELS.filter((m) => m.vendor === 'generic').map((m) => m.name)).toEqual(expect.arrayContaining(['DLT645-1P', 'DLT645-3P']));
    expect(DLT645_MODELS.filter((m) => m.vendor !== 'generic').length).toBeGreaterThanOrEqual(2);
    expect(CJT188_MODELS.filter((m) => m.vendor === 'generic').map((m) => m.kind).sort()).toEqual(['heat', 'water']);
    expect(CJT188_MODELS.filter((m) => m.vendor !== 'generic').length).toBeGreaterThanOrEqual(2);
  });
});
