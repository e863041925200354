/**
 * CAD exchange files under the 'step' format:
 * - STEP (ISO 10303-21: AP203/AP214/AP242), streamed with our statement
 *   reader: header (FILE_NAME, FILE_SCHEMA with the application protocol,
 *   FILE_DESCRIPTION, originating system), instance count, counts per type,
 *   PRODUCT names, the assembly tree (NEXT_ASSEMBLY_USAGE_OCCURRENCE between
 *   PRODUCT_DEFINITIONs), and a geometry summary (solids, shells, faces).
 *   Triangles and bounding boxes would need a B-rep kernel (occt-import-js,
 *   LGPL wasm); not included.
 * - IGES (.igs/.iges): start section text, global section (product, file,
 *   system, units), and entity counts by type from the directory section.
 * - OpenCASCADE BREP (.brep, "DBRep_DrawableShape"): format version, the
 *   shape counts by topology type (vertices, edges, faces, solids...), and
 *   geometry table sizes.
 */
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { markdownTable } from '../common';
import type { ExtractionParts, ExtractInput, Extractor } from '../types';
import { complexParts, instanceHead, ModelStrings, parseHeader, parseParams, readStatements, ref, str, type StepValue } from './step-file';

const PROTOCOLS: Array<[RegExp, string]> = [
  [/^AP242|MANAGED_MODEL_BASED_3D_ENGINEERING/i, 'AP242'],
  [/^AUTOMOTIVE_DESIGN/i, 'AP214'],
  [/^CONFIG_CONTROL_DESIGN/i, 'AP203'],
  [/^AP203/i, 'AP203 ed2'],
  [/^STRUCTURAL_ANALYSIS_DESIGN/i, 'AP209'],
  [/^IFC/i, 'IFC'],
];
const GEOMETRY = [
  'MANIFOLD_SOLID_BREP',
  'BREP_WITH_VOIDS',
  'FACETED_BREP',
  'CLOSED_SHELL',
  'OPEN_SHELL',
  'SHELL_BASED_SURFACE_MODEL',
  'ADVANCED_FACE',
  'FACE_SURFACE',
  'EDGE_CURVE',
  'VERTEX_POINT',
  'TESSELLATED_SOLID',
  'TRIANGULATED_FACE',
];
const KEEP = new Set([
  'PRODUCT',
  'PRODUCT_DEFINITION',
  'PRODUCT_DEFINITION_FORMATION',
  'PRODUCT_DEFINITION_FORMATION_WITH_SPECIFIED_SOURCE',
  'NEXT_ASSEMBLY_USAGE_OCCURRENCE',
]);

export function applicationProtocol(schema: string | undefined): string | undefined {
  if (!schema) return undefined;
  return PROTOCOLS.find(([re]) => re.test(schema.trim()))?.[1];
}

async function extractStep(input: ExtractInput, progress: (a: number, b: number) => void): Promise<ExtractionParts> {
  const headerStatements: string[] = [];
  const counts = new Map<string, number>();
  const kept = new Map<number, { type: string; values: StepValue[] }>();
  let instances = 0;
  const strings = new ModelStrings();
  const summary = await readStatements(
    input.stream(),
    {
      statement(s, section) {
        if (section === 'HEADER') {
          if (headerStatements.length < 100) headerStatements.push(s);
          return;
        }
        if (section !== 'DATA') return;
        const head = instanceHead(s);
        if (!head || !head.type) return;
        instances++;
        strings.add(s, head.paramsAt);
        if (head.complex) {
          for (const part of complexParts(s, head.paramsAt)) counts.set(part, (counts.get(part) ?? 0) + 1);
          return;
        }
        counts.set(head.type, (counts.get(head.type) ?? 0) + 1);
        if (KEEP.has(head.type)) kept.set(head.id, { type: head.type, values: parseParams(s, head.paramsAt).values });
      },
    },
    (bytes) => progress(bytes, input.size),
  );
  if (!summary.hasMagic && instances === 0) throw new ExtractionError('corrupt_file', 'Not a STEP file: no ISO-10303-21 header and no instances');
  const warnings: string[] = [];
  if (!summary.complete) warnings.push(`no END-ISO-10303-21: the STEP file is truncated; the ${instances} complete instances were counted`);
  const header = parseHeader(headerStatements);
  const schema = (header.schema as string[] | undefined)?.[0];
  const ap = applicationProtocol(schema);

  // PRODUCT_DEFINITION -> formation -> PRODUCT.
  const productName = new Map<number, string>();
  const products: Array<{ id: string; name: string; description?: string }> = [];
  for (const [id, k] of kept) {
    if (k.type === 'PRODUCT') {
      const name = str(k.values[1]) || str(k.values[0]) || `#${id}`;
      productName.set(id, name);
      products.push({ id: str(k.values[0]) ?? '', name, ...(str(k.values[2]) ? { description: str(k.values[2]) } : {}) });
    }
  }
  const pdName = (pd: number): string => {
    const def = kept.get(pd);
    const formation = def ? kept.get(ref(def.values[2]) ?? -1) : undefined;
    const product = formation ? ref(formation.values[2]) : undefined;
    return (product !== undefined ? productName.get(product) : undefined) ?? `#${pd}`;
  };
  const childrenOf = new Map<number, number[]>();
  const isChild = new Set<number>();
  let nauo = 0;
  for (const [, k] of kept) {
    if (k.type !== 'NEXT_ASSEMBLY_USAGE_OCCURRENCE') continue;
    nauo++;
    const parent = ref(k.values[3]);
    const child = ref(k.values[4]);
    if (parent === undefined || child === undefined) continue;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child]);
    isChild.add(child);
  }
  interface Node {
    name: string;
    quantity: number;
    children: Node[];
  }
  const pds = [...kept].filter(([, k]) => k.type === 'PRODUCT_DEFINITION').map(([id]) => id);
  const rootsPd = pds.filter((id) => !isChild.has(id) && childrenOf.has(id));
  const build = (pd: number, depth: number, path: Set<number>): Node => {
    const node: Node = { name: pdName(pd), quantity: 1, children: [] };
    if (depth > 50 || path.has(pd)) return node;
    const grouped = new Map<number, number>();
    for (const c of childrenOf.get(pd) ?? []) grouped.set(c, (grouped.get(c) ?? 0) + 1);
    const next = new Set(path).add(pd);
    for (const [c, q] of grouped) node.children.push({ ...build(c, depth + 1, next), quantity: q });
    return node;
  };
  const tree = rootsPd.map((pd) => build(pd, 0, new Set()));
  const treeLines: string[] = [];
  const walk = (n: Node, depth: number) => {
    if (treeLines.length > 5000) return;
    treeLines.push(`${'  '.repeat(depth)}${n.name}${n.quantity > 1 ? ` ×${n.quantity}` : ''}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  tree.forEach((n) => walk(n, 0));

  const geometry = Object.fromEntries(GEOMETRY.map((t) => [t, counts.get(t) ?? 0]).filter(([, n]) => n));
  const countsSorted = Object.fromEntries([...counts].sort((a, b) => (b[1] as number) - (a[1] as number) || a[0].localeCompare(b[0])));
  const countRows = [
    ['Entity type', 'Count'],
    ...Object.entries(countsSorted)
      .slice(0, 500)
      .map(([t, n]) => [t, String(n)]),
  ];
  const entities: Entity[] = products.map((p) => ({
    type: 'PRODUCT',
    value: p.name,
    attributes: { id: p.id, ...(p.description ? { description: p.description } : {}) },
  }));
  const text = [
    schema ? `STEP ${ap ?? ''} (${schema})`.replace('  ', ' ') : 'STEP',
    header.originatingSystem ? `Originating system: ${header.originatingSystem}` : '',
    products.length ? `Products: ${products.map((p) => p.name).join(', ')}` : '',
    treeLines.length ? `Assembly:\n${treeLines.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  const markdown = [
    `# STEP model${ap ? ` (${ap})` : ''}`,
    [
      header.fileName ? `File name: ${header.fileName}` : '',
      header.originatingSystem ? `Originating system: ${header.originatingSystem}` : '',
      `${instances} instances`,
    ]
      .filter(Boolean)
      .join('  \n'),
    products.length ? `## Products\n\n${products.map((p) => `- ${p.name}`).join('\n')}` : '',
    treeLines.length ? `## Assembly\n\n${treeLines.map((l) => l.replace(/^( *)/, '$1- ')).join('\n')}` : '',
    Object.keys(geometry).length
      ? `## Geometry\n\n${Object.entries(geometry)
          .map(([t, n]) => `- ${t}: ${n}`)
          .join('\n')}`
      : '',
    `## Entity types\n\n${markdownTable(countRows, true)}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  if (!products.length) warnings.push('No PRODUCT in the file');
  if (strings.dropped)
    warnings.push(`Only the first ${strings.size} distinct string values of the model are searchable (${strings.dropped} more occurrences left out)`);
  return {
    text,
    markdown,
    metadata: {
      kind: 'step',
      ...header,
      ...(schema ? { fileSchema: schema } : {}),
      ...(ap ? { applicationProtocol: ap } : {}),
      instanceCount: instances,
      entityCounts: countsSorted,
      products,
      assembly: tree,
      assemblyLinks: nauo,
      geometry,
      complete: summary.complete,
    },
    tables: [{ name: 'entity counts', rows: countRows, hasHeader: true }],
    entities,
    warnings,
    counters: {
      items: instances,
      instances,
      types: counts.size,
      products: products.length,
      solids: (geometry.MANIFOLD_SOLID_BREP ?? 0) + (geometry.BREP_WITH_VOIDS ?? 0),
      faces: geometry.ADVANCED_FACE ?? 0,
      modelStrings: strings.size,
    },
    indexOnly: strings.indexOnly(),
  };
}

const IGES_TYPES: Record<number, string> = {
  100: 'circular arc',
  102: 'composite curve',
  104: 'conic arc',
  106: 'copious data',
  108: 'plane',
  110: 'line',
  112: 'parametric spline curve',
  114: 'parametric spline surface',
  116: 'point',
  118: 'ruled surface',
  120: 'surface of revolution',
  122: 'tabulated cylinder',
  123: 'direction',
  124: 'transformation matrix',
  126: 'rational B-spline curve',
  128: 'rational B-spline surface',
  130: 'offset curve',
  140: 'offset surface',
  141: 'boundary',
  142: 'curve on a parametric surface',
  143: 'bounded surface',
  144: 'trimmed surface',
  150: 'block',
  152: 'right angular wedge',
  154: 'right circular cylinder',
  156: 'right circular cone frustum',
  158: 'sphere',
  160: 'torus',
  162: 'solid of revolution',
  164: 'solid of linear extrusion',
  168: 'ellipsoid',
  180: 'boolean tree',
  184: 'solid assembly',
  186: 'manifold solid B-rep object',
  190: 'plane surface',
  192: 'right circular cylindrical surface',
  194: 'right circular conical surface',
  196: 'spherical surface',
  198: 'toroidal surface',
  202: 'angular dimension',
  206: 'diameter dimension',
  208: 'flag note',
  210: 'general label',
  212: 'general note',
  214: 'leader',
  216: 'linear dimension',
  222: 'radius dimension',
  228: 'general symbol',
  230: 'sectioned area',
  308: 'subfigure definition',
  314: 'color definition',
  402: 'associativity instance',
  406: 'property',
  408: 'singular subfigure instance',
  410: 'view',
  502: 'vertex list',
  504: 'edge list',
  508: 'loop',
  510: 'face',
  514: 'shell',
};
const IGES_UNITS: Record<number, string> = {
  1: 'inches',
  2: 'millimeters',
  3: 'other',
  4: 'feet',
  5: 'miles',
  6: 'meters',
  7: 'kilometers',
  8: 'mils',
  9: 'microns',
  10: 'centimeters',
  11: 'microinches',
};

export function looksLikeIges(head: string): boolean {
  const first = head.split(/\r?\n/, 1)[0] ?? '';
  return first.length >= 73 && first.length <= 82 && first[72] === 'S' && /^\s*\d+\s*$/.test(first.slice(73, 80));
}

async function extractIges(input: ExtractInput): Promise<ExtractionParts> {
  const source = (await input.read()).toString('latin1');
  const lines = source.split(/\r?\n/).filter((l) => l.length >= 73);
  const by = (c: string) => lines.filter((l) => l[72] === c).map((l) => l.slice(0, 72));
  const start = by('S').join('').trim();
  const global = by('G').join('');
  const dir = by('D');
  const warnings: string[] = [];
  if (!dir.length && !global) throw new ExtractionError('corrupt_file', 'Not an IGES file: no global or directory section');
  if (!lines.some((l) => l[72] === 'T')) warnings.push('No terminate (T) section: the IGES file may be truncated');
  // Global section: parameter delimiter and record delimiter come first ("1H,,1H;,...").
  let delim = ',';
  let recordDelim = ';';
  const g = global.trim();
  const m = /^(?:1H(.)|,)(?:\1|,)?(?:1H(.))?/.exec(g);
  if (m?.[1]) delim = m[1];
  if (m?.[2]) recordDelim = m[2];
  const params: string[] = [];
  {
    let i = 0;
    while (i < g.length && params.length < 30) {
      const h = /^(\d+)H/.exec(g.slice(i));
      if (h) {
        const n = Number(h[1]);
        const s = i + h[0].length;
        params.push(g.slice(s, s + n));
        i = s + n;
      } else {
        let j = i;
        while (j < g.length && g[j] !== delim && g[j] !== recordDelim) j++;
        params.push(g.slice(i, j).trim());
        i = j;
      }
      if (g[i] === recordDelim) break;
      i++;
    }
  }
  const unitsFlag = Number(params[13]);
  const counts = new Map<string, number>();
  for (let i = 0; i < dir.length; i += 2) {
    const type = Number(dir[i]!.slice(0, 8));
    if (!Number.isInteger(type)) continue;
    const name = `${type}${IGES_TYPES[type] ? ` ${IGES_TYPES[type]}` : ''}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const metadata: Record<string, unknown> = {
    kind: 'iges',
    productSendingId: params[2] || undefined,
    fileName: params[3] || undefined,
    nativeSystem: params[4] || undefined,
    preprocessorVersion: params[5] || undefined,
    units: IGES_UNITS[unitsFlag] ?? params[14] ?? undefined,
    author: params[20] || undefined,
    organization: params[21] || undefined,
    timeStamp: params[17] || undefined,
    entityCount: total,
    entityCounts: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
  };
  for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];
  const rows = [['Entity type', 'Count'], ...[...counts].map(([t, n]) => [t, String(n)])];
  return {
    text: [start, metadata.fileName ? `File: ${metadata.fileName}` : '', metadata.nativeSystem ? `System: ${metadata.nativeSystem}` : '']
      .filter(Boolean)
      .join('\n'),
    markdown: `# IGES model\n\n${start}\n\n${markdownTable(rows, true)}`,
    metadata,
    tables: [{ name: 'entity counts', rows, hasHeader: true }],
    warnings,
    counters: { items: total, entities: total },
  };
}

const BREP_SHAPES: Record<string, string> = { Ve: 'vertex', Ed: 'edge', Wi: 'wire', Fa: 'face', Sh: 'shell', So: 'solid', CS: 'compsolid', Co: 'compound' };

export function looksLikeBrep(head: string): boolean {
  return /^\s*(DBRep_DrawableShape|CASCADE Topology V\d)/.test(head);
}

async function extractBrep(input: ExtractInput): Promise<ExtractionParts> {
  const source = (await input.read()).toString('latin1');
  const version = /CASCADE Topology V(\d+)(?:, \(c\) [^\n]*)?/.exec(source)?.[1];
  if (!version) throw new ExtractionError('corrupt_file', 'Not an OpenCASCADE BREP file: no "CASCADE Topology" header');
  const tables: Record<string, number> = {};
  for (const m of source.matchAll(/^(Locations|Curve2ds|Curves|Polygon3D|PolygonOnTriangulations|Surfaces|Triangulations|TShapes)\s+(\d+)\s*$/gm))
    tables[m[1]!] = Number(m[2]);
  const shapes: Record<string, number> = {};
  const at = source.search(/^TShapes\s+\d+\s*$/m);
  if (at >= 0) {
    for (const m of source.slice(at).matchAll(/^(Ve|Ed|Wi|Fa|Sh|So|CS|Co)\s*$/gm)) {
      const name = BREP_SHAPES[m[1]!]!;
      shapes[name] = (shapes[name] ?? 0) + 1;
    }
  }
  const warnings: string[] = [];
  if (tables.TShapes !== undefined) {
    const listed = Object.values(shapes).reduce((a, b) => a + b, 0);
    if (listed < tables.TShapes) warnings.push(`The BREP file declares ${tables.TShapes} shapes but only ${listed} were found (truncated?)`);
  }
  const rows = [['Shape type', 'Count'], ...Object.entries(shapes).map(([t, n]) => [t, String(n)])];
  return {
    text: `OpenCASCADE BREP (CASCADE Topology V${version}): ${Object.entries(shapes)
      .map(([t, n]) => `${n} ${n === 1 ? t : t === 'vertex' ? 'vertices' : `${t}s`}`)
      .join(', ')}`,
    markdown: `# OpenCASCADE BREP\n\nFormat: CASCADE Topology V${version}\n\n${markdownTable(rows, true)}`,
    metadata: { kind: 'brep', topologyVersion: Number(version), shapeCounts: shapes, tableSizes: tables },
    tables: [{ name: 'shape counts', rows, hasHeader: true }],
    warnings,
    counters: { items: tables.TShapes ?? 0, shapes: tables.TShapes ?? 0 },
  };
}

export const stepExtractor: Extractor = {
  name: 'step',
  // 1.1.0: every string value of a STEP model is searchable (indexOnly, "model strings").
  version: '1.1.0',
  formats: ['step'],
  async extract(input, ctx) {
    const fh = await import('node:fs/promises').then((fs) => fs.open(input.path, 'r'));
    let head: string;
    try {
      const buf = Buffer.alloc(Math.min(input.size, 4096));
      await fh.read(buf, 0, buf.length, 0);
      head = buf.toString('latin1');
    } finally {
      await fh.close();
    }
    if (looksLikeBrep(head)) return extractBrep(input);
    if (!/^\s*ISO-10303-21/.test(head) && looksLikeIges(head)) return extractIges(input);
    return extractStep(input, ctx.progress);
  },
};
