/** DXF, IFC, STEP, IGES and OpenCASCADE BREP from text written here. */
import { afterAll, describe, expect, it } from 'vitest';
import { mtextToPlain, readLines } from '../../../workers/extractors/cad/dxf';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeStepString, ModelStrings, parseParams } from '../../../workers/extractors/cad/step-file';
import { fixtureDir, makeDxf, makeIfc, makeStep } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-cad-');
afterAll(() => fx.cleanup());

describe('DXF', () => {
  const dxf = makeDxf([
    ['LINE'],
    ['LINE'],
    ['HATCH', [[2, 'ANSI31']]],
    ['3DSOLID'],
    [
      'MULTILEADER',
      [
        [304, 'LEADER_LINE{'],
        [304, 'Note\\Pone'],
      ],
    ],
    ['POLYLINE'],
    ['VERTEX'],
    ['VERTEX'],
    ['SEQEND'],
    ['TEXT', [[1, 'Room %%c12']]],
    [
      'MTEXT',
      [
        [3, '{\\fArial|b1;Big} and '],
        [1, 'small\\Pline'],
      ],
    ],
    [
      'INSERT',
      [
        [2, 'Door'],
        [66, '1'],
      ],
    ],
    [
      'ATTRIB',
      [
        [2, 'TAG'],
        [1, 'D-01'],
      ],
    ],
    ['SEQEND'],
    ['DIMENSION', [[1, '<> mm']]],
  ]);

  it('counts every entity type (VERTEX/SEQEND apart), reads header, units, layers, blocks and text', async () => {
    const r = await extractOk(fx.write('plan.dxf', dxf));
    expect(r.format).toBe('dxf');
    expect(r.metadata).toMatchObject({
      acadVersion: 'AC1027',
      units: 'millimeters',
      layers: ['0', 'Walls'],
      hiddenLayers: ['Walls'],
      blocks: ['Door'],
      anonymousBlocks: 1,
      entityCount: 11,
      entityCounts: { LINE: 2, HATCH: 1, '3DSOLID': 1, MULTILEADER: 1, POLYLINE: 1, TEXT: 1, MTEXT: 1, INSERT: 1, ATTRIB: 1, DIMENSION: 1 },
      subrecordCounts: { VERTEX: 2, SEQEND: 2 },
    });
    expect(r.entities.map((e) => [e.type, e.value])).toEqual([
      ['MULTILEADER', 'Note\none'],
      ['TEXT', 'Room Ø12'],
      ['MTEXT', 'Big and small\nline'],
      ['ATTRIB', 'D-01'],
      ['DIMENSION', 'mm'],
    ]);
    expect(r.entities[0]!.attributes).toEqual({ layer: 'Walls' });
    expect(r.text).toContain('TAG: D-01');
    expect(r.warnings).toEqual([]);
  });

  // A parser that loops on the cut never returns: the test's time limit catches that.
  it('a truncated drawing gives what was read and a warning', async () => {
    const cut = dxf.slice(0, dxf.indexOf('MTEXT') + 20);
    const r = await extractOk(fx.write('cut.dxf', cut));
    expect(r.metadata.entityCount).toBe(8); // LINE×2 HATCH 3DSOLID MULTILEADER POLYLINE TEXT MTEXT
    expect(r.warnings.some((w) => /truncated/.test(w))).toBe(true);
  });

  it('garbage after a DXF header is cut cleanly', async () => {
    const r = await extractOk(fx.write('junk.dxf', `${makeDxf([['LINE']], { eof: false })}not a group code\nxx\n`));
    expect(r.warnings.some((w) => /expected a group code/.test(w))).toBe(true);
  });

  it('streams lines: CRLF split across chunks, BOM, and an ANSI_1252 drawing', async () => {
    const { Readable } = await import('node:stream');
    const lines: string[] = [];
    for await (const batch of readLines(
      Readable.from([Buffer.from('\ufeff  0\r'), Buffer.from('\nSECTION\r\n'), Buffer.from('  2\rHEADER\n')]),
      'utf-8',
      () => undefined,
    ))
      lines.push(...batch);
    expect(lines).toEqual(['  0', 'SECTION', '  2', 'HEADER']);
    const old = makeDxf([['TEXT', [[1, 'Größe']]]], { version: 'AC1015' }).replace('$INSUNITS', '$DWGCODEPAGE\n  3\nANSI_1252\n  9\n$INSUNITS');
    const r = await extractOk(fx.write('old.dxf', Buffer.from(old, 'latin1')));
    expect(r.entities[0]!.value).toBe('Größe');
  });

  it('MTEXT formatting codes', () => {
    expect(mtextToPlain('\\A1;{\\H2.5x;\\C1;Red} text\\Pnext %%d %%p \\S1^2;')).toBe('Red text\nnext ° ± 1/2');
  });
});

describe('IFC', () => {
  it('schema, counts, spatial structure with names, contained elements and property sets', async () => {
    const r = await extractOk(fx.write('house.ifc', makeIfc()));
    expect(r.format).toBe('ifc');
    expect(r.metadata).toMatchObject({
      fileSchema: 'IFC4',
      originatingSystem: 'Quarry fixture writer',
      author: ['Architect'],
      instanceCount: 19,
      complete: true,
    });
    expect((r.metadata.entityCounts as Record<string, number>).IFCWALL).toBe(2);
    expect(r.text).toContain('IFCPROJECT "Haus über" (Long project)');
    expect(r.text).toContain('IFCSPACE "101" (Kitchen; with a semicolon)');
    expect(r.text).toContain("IFCWALL\tWall 'North'");
    const wall = r.entities.find((e) => e.value === "Wall 'North'");
    expect(wall?.attributes).toMatchObject({
      container: 'IFCBUILDINGSTOREY "Ground floor"',
      propertySets: { Pset_WallCommon: { IsExternal: true, FireRating: 'F90' } },
    });
    const storey = r.entities.find((e) => e.type === 'IFCBUILDINGSTOREY');
    expect(storey?.attributes).toMatchObject({ elevation: 0, depth: 3 });
    expect(r.warnings).toEqual([]);
  });

  it('the text drawn in the model (text literals) is part of its text; a box alignment is not', async () => {
    const literals = [
      "#60=IFCTEXTLITERALWITHEXTENT('Designed by FZK/IAI/KHH',#50,.LEFT.,#61,'top-left');",
      "#62=IFCTEXTLITERAL('Grundri\\X2\\00DF\\X0\\ *EG*',#50,.RIGHT.);",
      "#63=IFCTEXTLITERAL('',#50,.LEFT.);",
    ].join('\n');
    const r = await extractOk(fx.write('drawn.ifc', makeIfc().replace('ENDSEC;\nEND-ISO', `${literals}\nENDSEC;\nEND-ISO`)));
    expect(r.text).toContain('Designed by FZK/IAI/KHH\nGrundriß *EG*');
    expect(r.text).not.toContain('top-left');
    expect(r.markdown).toContain('## Text in the model\n\n- Designed by FZK/IAI/KHH\n- Grundriß \\*EG\\*');
    expect(r.counters.textLiterals).toBe(2);
  });

  it("a model's strings do not keep the chunks they were read from alive (a GlobalId would pin its ~64 KB of file)", () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const strings = new ModelStrings();
    gc();
    const before = process.memoryUsage().heapUsed;
    // 2,000 chunks of ~75 KB (150 MB of statements), 280,000 distinct values of 6-22 characters (~5 MB).
    for (let c = 0; c < 2000; c++) {
      let chunk = '';
      for (let i = 0; i < 140; i++) {
        const n = c * 1000 + i;
        chunk += `#${n}=IFCWALL('${n.toString(36).padStart(22, 'x')}',#5,'Wall ${i}',$,$,#6,#7,$);\n${' '.repeat(400)}`;
      }
      for (const stmt of chunk.split('\n')) strings.add(stmt);
    }
    gc();
    const grewMb = (process.memoryUsage().heapUsed - before) / 1e6;
    expect(strings.size).toBe(280_140);
    // Copied, they weigh ~22 MB; as slices they held ~150 MB.
    expect(grewMb).toBeLessThan(60);
  });

  it('every string value of the model is searchable apart ("model strings"), once each, decoded; the text stays as it was', async () => {
    const literals = [
      "#60=IFCTEXTLITERALWITHEXTENT('Designed by FZK/IAI/KHH',#50,.LEFT.,#61,'top-left');",
      "#62=IFCTEXTLITERAL('Grundri\\X2\\00DF\\X0\\ *EG*',#50,.RIGHT.);",
      "#63=IFCTEXTLITERAL('',#50,.LEFT.);",
      "#64=IFCTEXTLITERALWITHEXTENT('Designed by FZK/IAI/KHH',#50,.LEFT.,#61,'top-left');",
    ].join('\n');
    const r = await extractOk(fx.write('strings.ifc', makeIfc().replace('ENDSEC;\nEND-ISO', `${literals}\nENDSEC;\nEND-ISO`)));
    expect(r.indexOnly?.label).toBe('model strings');
    const lines = r.indexOnly!.text.split('\n');
    for (const v of [
      'top-left',
      'Designed by FZK/IAI/KHH',
      'Grundriß *EG*',
      "Wall 'North'",
      'Haus über',
      'F90',
      'IsExternal',
      '9YvctVUKr0kugbFTf53O9L',
      'Kitchen; with a semicolon',
    ])
      expect(lines, v).toContain(v);
    // Once each, none empty; the header's strings are metadata, not model values.
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).not.toContain('');
    expect(lines).not.toContain('Quarry fixture writer');
    expect(r.counters.modelStrings).toBe(lines.length);
    // The readable text and Markdown are the model's summary, as before.
    expect(r.text).not.toContain('top-left');
    expect(r.markdown).not.toContain('top-left');
  });

  it('a truncated IFC keeps its partial counts with a warning', async () => {
    const r = await extractOk(fx.write('cut.ifc', makeIfc({ truncated: true })));
    expect(r.counters.instances).toBe(19);
    expect(r.metadata.unfinishedInstanceDropped).toBe(true);
    expect(r.warnings[0]).toMatch(/^no END-ISO-10303-21/);
  });

  it('STEP string escapes and parameters', () => {
    expect(decodeStepString("It''s \\X2\\00E400F6\\X0\\ \\X\\E9 \\S\\D")).toBe("It's äö é Ä");
    const { values } = parseParams("('a',#12,.T.,$,*,(1.5,2),IFCLABEL('x'),-3.E-2)");
    expect(values).toEqual([
      { t: 's', v: 'a' },
      { t: 'r', v: 12 },
      { t: 'e', v: 'T' },
      { t: 'null' },
      { t: 'derived' },
      {
        t: 'list',
        v: [
          { t: 'n', v: 1.5 },
          { t: 'n', v: 2 },
        ],
      },
      { t: 'typed', name: 'IFCLABEL', args: [{ t: 's', v: 'x' }] },
      { t: 'n', v: -0.03 },
    ]);
  });
});

describe('STEP / IGES / BREP', () => {
  it('STEP: header, protocol, products, assembly tree with quantities, geometry', async () => {
    const r = await extractOk(fx.write('bracket.stp', makeStep()));
    expect(r.format).toBe('step');
    expect(r.metadata).toMatchObject({
      kind: 'step',
      applicationProtocol: 'AP214',
      originatingSystem: 'Fixture CAD 3',
      description: ['A bracket'],
      instanceCount: 13,
      products: [
        { id: 'asm', name: 'Assembly' },
        { id: 'bolt', name: 'Bolt' },
      ],
      assembly: [{ name: 'Assembly', quantity: 1, children: [{ name: 'Bolt', quantity: 2, children: [] }] }],
      geometry: { MANIFOLD_SOLID_BREP: 1, CLOSED_SHELL: 1, ADVANCED_FACE: 2 },
    });
    expect((r.metadata.entityCounts as Record<string, number>).SI_UNIT).toBe(1);
    expect(r.text).toContain('Assembly:\nAssembly\n  Bolt ×2');
    // Its string values are searchable apart, as an IFC model's are.
    expect(r.indexOnly?.label).toBe('model strings');
    expect(r.indexOnly!.text.split('\n')).toEqual(expect.arrayContaining(['asm', 'Assembly', 'bolt', 'Bolt']));
  });

  it('IGES: start text, global section and entity counts', async () => {
    const line = (text: string, sec: string, n: number) => `${text.padEnd(72)}${sec}${String(n).padStart(7)}`;
    const iges = [
      line('Quarry IGES fixture', 'S', 1),
      line('1H,,1H;,4Hpart,8Hpart.igs,6HQuarry,3H1.0,32,38,6,308,15,4Hpart,1.,2,', 'G', 1),
      line('2HMM,1,0.08,15H20240102.030405,0.001,100.,6HAuthor,6HQuarry,11,0;', 'G', 2),
      line('     110       1       0       0       0       0       0       000000000', 'D', 1),
      line('     110       0       0       1       0                               0', 'D', 2),
      line('     126       2       0       0       0       0       0       000000000', 'D', 3),
      line('     126       0       0       1       0                               0', 'D', 4),
      line('110,0.,0.,0.,1.,1.,0.;', 'P', 1),
      line('S      1G      2D      4P      1', 'T', 1),
    ].join('\n');
    const r = await extractOk(fx.write('part.igs', iges));
    expect(r.format).toBe('step');
    expect(r.detection.mime).toBe('model/iges');
    expect(r.metadata).toMatchObject({ kind: 'iges', fileName: 'part.igs', nativeSystem: 'Quarry', units: 'millimeters', entityCount: 2 });
    expect(r.metadata.entityCounts).toEqual({ '110 line': 1, '126 rational B-spline curve': 1 });
    expect(r.text).toContain('Quarry IGES fixture');
  });

  it('OpenCASCADE BREP: topology counts', async () => {
    const brep =
      'DBRep_DrawableShape\n\nCASCADE Topology V1, (c) Matra-Datavision\nLocations 0\nCurve2ds 0\nCurves 1\nSurfaces 0\nTShapes 3\nVe\n0.1 0 0 0\n0 0\n\nVe\n0.1 1 0 0\n0 0\n\nEd\n 1e-07 1 1 0\n\n*\n';
    const r = await extractOk(fx.write('shape.brep', brep));
    expect(r.detection.mime).toBe('model/vnd.opencascade.brep');
    expect(r.metadata).toMatchObject({ kind: 'brep', topologyVersion: 1, shapeCounts: { vertex: 2, edge: 1 } });
    expect(r.text).toBe('OpenCASCADE BREP (CASCADE Topology V1): 2 vertices, 1 edge');
  });

  it('not STEP at all -> corrupt_file', async () => {
    expect((await extractErr(fx.write('bad.stp', 'hello world, no statements here'), { format: 'step' })).code).toBe('corrupt_file');
  });
});
