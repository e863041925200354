/**
 * IFC (STEP physical file text), streamed with our own statement reader:
 * header (FILE_SCHEMA, FILE_NAME: author, originating system...), the number
 * of instances and a count per entity type, the spatial structure (project,
 * site, building, storeys, spaces via IfcRelAggregates, with the elements
 * each contains via IfcRelContainedInSpatialStructure), and the property
 * sets and quantities of each element (IfcRelDefinesByProperties ->
 * IfcPropertySet -> IfcPropertySingleValue / IfcElementQuantity), and the
 * text drawn in the model (IfcTextLiteral, IfcTextLiteralWithExtent: a
 * plan's title block, labels), which is searchable text like any document's.
 * Only the instances these need are parsed; the rest are counted.
 * A file without END-ISO-10303-21 keeps its partial counts, with a warning.
 */
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { markdownTable } from '../common';
import type { Extractor } from '../types';
import { display, instanceHead, ModelStrings, parseHeader, parseParams, readStatements, ref, refs, str, type StepValue } from './step-file';

const SPATIAL = new Set([
  'IFCPROJECT',
  'IFCSITE',
  'IFCBUILDING',
  'IFCBUILDINGSTOREY',
  'IFCSPACE',
  // IFC4x3 infrastructure
  'IFCFACILITY',
  'IFCFACILITYPART',
  'IFCBRIDGE',
  'IFCBRIDGEPART',
  'IFCROAD',
  'IFCROADPART',
  'IFCRAILWAY',
  'IFCRAILWAYPART',
  'IFCMARINEFACILITY',
  'IFCMARINEPART',
  'IFCEXTERNALSPATIALELEMENT',
  'IFCSPATIALZONE',
]);
const RELS = new Set(['IFCRELAGGREGATES', 'IFCRELCONTAINEDINSPATIALSTRUCTURE', 'IFCRELDEFINESBYPROPERTIES']);
const PROPS = new Set([
  'IFCPROPERTYSET',
  'IFCPROPERTYSINGLEVALUE',
  'IFCPROPERTYENUMERATEDVALUE',
  'IFCELEMENTQUANTITY',
  'IFCQUANTITYLENGTH',
  'IFCQUANTITYAREA',
  'IFCQUANTITYVOLUME',
  'IFCQUANTITYCOUNT',
  'IFCQUANTITYWEIGHT',
  'IFCQUANTITYTIME',
  'IFCSIUNIT',
]);
/** Elements whose property sets are reported are capped: a 1 GB model has millions. */
const MAX_ELEMENTS = 5000;
/** Annotation text (its literal, the first attribute; a box alignment such as 'top-left' is placement, not text). */
const TEXT_LITERALS = new Set(['IFCTEXTLITERAL', 'IFCTEXTLITERALWITHEXTENT']);
/** Text literals kept at most: a drawing-heavy model has many, each usually short. */
const MAX_TEXT_LITERALS = 10_000;

interface Rooted {
  type: string;
  globalId: string;
  name?: string;
  longName?: string;
  elevation?: number;
}

const PREFIX: Record<string, string> = {
  EXA: 'E',
  PETA: 'P',
  TERA: 'T',
  GIGA: 'G',
  MEGA: 'M',
  KILO: 'k',
  HECTO: 'h',
  DECA: 'da',
  DECI: 'd',
  CENTI: 'c',
  MILLI: 'm',
  MICRO: 'µ',
  NANO: 'n',
};
const SI: Record<string, string> = { METRE: 'm', SQUARE_METRE: 'm²', CUBIC_METRE: 'm³', GRAM: 'g', SECOND: 's', RADIAN: 'rad' };

export const ifcExtractor: Extractor = {
  name: 'ifc',
  // 1.1.0: every string value of the model is searchable (indexOnly, "model strings").
  version: '1.1.0',
  formats: ['ifc'],
  async extract(input, ctx) {
    const headerStatements: string[] = [];
    const counts = new Map<string, number>();
    const rooted = new Map<number, Rooted>();
    const params = new Map<number, { type: string; values: StepValue[] }>();
    let instances = 0;
    let malformed = 0;
    const literals: string[] = [];
    let literalsDropped = 0;
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
          if (!head || !head.type) {
            malformed++;
            return;
          }
          instances++;
          counts.set(head.type, (counts.get(head.type) ?? 0) + 1);
          strings.add(s, head.paramsAt);
          const t = head.type;
          // Rooted entities start with a 22-character GlobalId: keep their names (cheap: no full parse).
          const m = /^\s*\(\s*'([0-9A-Za-z_$]{22})'\s*,\s*(?:#\d+|\$|\*)\s*,\s*(\$|'((?:[^']|'')*)')/.exec(s.slice(head.paramsAt));
          if (TEXT_LITERALS.has(t)) {
            const literal = str(parseParams(s, head.paramsAt).values[0])?.trim();
            if (literal && literals.length < MAX_TEXT_LITERALS) literals.push(literal);
            else if (literal) literalsDropped++;
          }
          if (SPATIAL.has(t) || RELS.has(t) || PROPS.has(t)) {
            params.set(head.id, { type: t, values: parseParams(s, head.paramsAt).values });
          }
          if (m) {
            const r: Rooted = { type: t, globalId: m[1]! };
            if (m[3] !== undefined && m[3] !== '') r.name = str(parseParams(`('${m[3]}')`).values[0]);
            if (SPATIAL.has(t)) {
              const vals = params.get(head.id)!.values;
              const longName = str(vals[7]);
              if (longName && t !== 'IFCPROJECT') r.longName = longName;
              if (t === 'IFCPROJECT' && str(vals[5])) r.longName = str(vals[5]);
              if (t === 'IFCBUILDINGSTOREY' && vals[9]?.t === 'n') r.elevation = vals[9].v;
            }
            rooted.set(head.id, r);
          }
        },
      },
      (bytes) => ctx.progress(bytes, input.size),
    );

    if (!summary.hasMagic && instances === 0) throw new ExtractionError('corrupt_file', 'Not an IFC file: no ISO-10303-21 header and no instances');
    const warnings: string[] = [];
    if (!summary.complete) {
      warnings.push(
        `no END-ISO-10303-21: the IFC file is truncated; the ${instances} complete instances were counted${summary.trailing ? ` (an unfinished instance of ${summary.trailing} characters at the end was dropped)` : ''}`,
      );
    }
    if (malformed) warnings.push(`${malformed} statements in DATA are not instances (#n=TYPE(...)) and were skipped`);
    if (literalsDropped) warnings.push(`Text literals kept for the first ${MAX_TEXT_LITERALS} of ${MAX_TEXT_LITERALS + literalsDropped}`);
    if (strings.dropped)
      warnings.push(`Only the first ${strings.size} distinct string values of the model are searchable (${strings.dropped} more occurrences left out)`);
    const header = parseHeader(headerStatements);

    // Units (length, area, volume) from IfcSIUnit.
    const units: Record<string, string> = {};
    for (const p of params.values()) {
      if (p.type !== 'IFCSIUNIT') continue;
      const kind = p.values[1]?.t === 'e' ? p.values[1].v : '';
      const prefix = p.values[2]?.t === 'e' ? (PREFIX[p.values[2].v] ?? '') : '';
      const name = p.values[3]?.t === 'e' ? (SI[p.values[3].v] ?? p.values[3].v.toLowerCase()) : '';
      if (kind && name) units[kind.replace(/UNIT$/, '').toLowerCase()] = prefix + name;
    }

    // Spatial tree and containment.
    const children = new Map<number, number[]>();
    const contained = new Map<number, number[]>();
    const psetsOf = new Map<number, number[]>();
    for (const [, p] of params) {
      if (p.type === 'IFCRELAGGREGATES') {
        const parent = ref(p.values[4]);
        if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), ...refs(p.values[5])]);
      } else if (p.type === 'IFCRELCONTAINEDINSPATIALSTRUCTURE') {
        const structure = ref(p.values[5]);
        if (structure !== undefined) contained.set(structure, [...(contained.get(structure) ?? []), ...refs(p.values[4])]);
      } else if (p.type === 'IFCRELDEFINESBYPROPERTIES') {
        const def = ref(p.values[5]);
        if (def !== undefined) for (const obj of refs(p.values[4])) psetsOf.set(obj, [...(psetsOf.get(obj) ?? []), def]);
      }
    }

    const propertySet = (id: number): { name: string; values: Record<string, unknown> } | null => {
      const p = params.get(id);
      if (!p) return null;
      const values: Record<string, unknown> = {};
      if (p.type === 'IFCPROPERTYSET') {
        for (const pid of refs(p.values[4])) {
          const prop = params.get(pid);
          if (!prop) continue;
          const name = str(prop.values[0]);
          if (!name) continue;
          if (prop.type === 'IFCPROPERTYSINGLEVALUE') values[name] = display(prop.values[2]);
          else if (prop.type === 'IFCPROPERTYENUMERATEDVALUE') values[name] = display(prop.values[2]);
        }
        return { name: str(p.values[2]) ?? `#${id}`, values };
      }
      if (p.type === 'IFCELEMENTQUANTITY') {
        for (const qid of refs(p.values[5])) {
          const q = params.get(qid);
          if (!q) continue;
          const name = str(q.values[0]);
          if (name) values[name] = display(q.values[3]);
        }
        return { name: str(p.values[2]) ?? `#${id}`, values };
      }
      return null;
    };
    const psets = (id: number) => {
      const out: Record<string, Record<string, unknown>> = {};
      for (const def of psetsOf.get(id) ?? []) {
        const ps = propertySet(def);
        if (ps) out[ps.name] = ps.values;
      }
      return out;
    };

    const label = (id: number) => {
      const r = rooted.get(id);
      const type = r?.type ?? params.get(id)?.type ?? '?';
      return `${type}${r?.name ? ` "${r.name}"` : ''}${r?.longName ? ` (${r.longName})` : ''}`;
    };

    const entities: Entity[] = [];
    const lines: string[] = [];
    const md: string[] = [];
    interface TreeNode {
      id: number;
      type: string;
      name?: string;
      longName?: string;
      elevation?: number;
      elements?: Record<string, number>;
      children: TreeNode[];
    }
    const projects = [...rooted].filter(([, r]) => r.type === 'IFCPROJECT').map(([id]) => id);
    const seen = new Set<number>();
    const roots: TreeNode[] = [];
    let elementsReported = 0;
    // Iterative depth-first walk from each project.
    const stack: Array<{ id: number; depth: number; parent: TreeNode | null }> = projects.reverse().map((id) => ({ id, depth: 0, parent: null }));
    while (stack.length) {
      const { id, depth, parent } = stack.pop()!;
      if (seen.has(id) || depth > 50) continue;
      seen.add(id);
      const r = rooted.get(id);
      const node: TreeNode = {
        id,
        type: r?.type ?? '?',
        ...(r?.name ? { name: r.name } : {}),
        ...(r?.longName ? { longName: r.longName } : {}),
        ...(r?.elevation !== undefined ? { elevation: r.elevation } : {}),
        children: [],
      };
      if (parent) parent.children.push(node);
      else roots.push(node);
      const els = contained.get(id) ?? [];
      if (els.length) {
        const byType: Record<string, number> = {};
        for (const e of els) {
          const er = rooted.get(e);
          const et = er?.type ?? '?';
          byType[et] = (byType[et] ?? 0) + 1;
          if (elementsReported < MAX_ELEMENTS) {
            elementsReported++;
            const ps = psets(e);
            entities.push({
              type: et,
              value: er?.name ?? `#${e}`,
              attributes: { id: e, ...(er ? { globalId: er.globalId } : {}), container: label(id), ...(Object.keys(ps).length ? { propertySets: ps } : {}) },
            });
          }
        }
        node.elements = byType;
      }
      const ps = psets(id);
      entities.push({
        type: node.type,
        value: r?.name ?? `#${id}`,
        attributes: {
          id,
          ...(r ? { globalId: r.globalId } : {}),
          ...(r?.longName ? { longName: r.longName } : {}),
          ...(r?.elevation !== undefined ? { elevation: r.elevation } : {}),
          spatial: true,
          depth,
          ...(Object.keys(ps).length ? { propertySets: ps } : {}),
        },
      });
      lines.push(
        `${'  '.repeat(depth)}${label(id)}${
          node.elements
            ? ` — ${Object.entries(node.elements)
                .map(([t, n]) => `${n} ${t}`)
                .join(', ')}`
            : ''
        }`,
      );
      md.push(
        `${'  '.repeat(depth)}- **${node.type}** ${r?.name ?? ''}${r?.longName ? ` (${r.longName})` : ''}${
          node.elements
            ? ` — ${Object.entries(node.elements)
                .map(([t, n]) => `${n} ${t}`)
                .join(', ')}`
            : ''
        }`,
      );
      const kids = (children.get(id) ?? []).filter((k) => SPATIAL.has(rooted.get(k)?.type ?? params.get(k)?.type ?? ''));
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ id: kids[i]!, depth: depth + 1, parent: node });
    }
    const totalContained = [...contained.values()].reduce((s, l) => s + l.length, 0);
    if (totalContained > MAX_ELEMENTS) warnings.push(`Property sets reported for the first ${MAX_ELEMENTS} of ${totalContained} contained elements`);
    if (!projects.length && instances > 0) warnings.push('No IfcProject: the spatial structure could not be built');

    // Element names for the text (walls, doors... that have a name), grouped.
    const elementLines: string[] = [];
    for (const e of entities) if (!(e.attributes as { spatial?: boolean }).spatial) elementLines.push(`${e.type}\t${e.value}`);

    const countsSorted = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    const countRows = [
      ['Entity type', 'Count'],
      ...Object.entries(countsSorted)
        .slice(0, 500)
        .map(([t, n]) => [t, String(n)]),
    ];
    const schema = (header.schema as string[] | undefined)?.[0];
    const text = [schema ? `IFC schema: ${schema}` : '', lines.join('\n'), elementLines.join('\n'), literals.join('\n')].filter(Boolean).join('\n\n');
    const markdown = [
      `# IFC model${schema ? ` (${schema})` : ''}`,
      header.originatingSystem ? `Originating system: ${header.originatingSystem}` : '',
      `${instances} instances`,
      md.length ? `## Spatial structure\n\n${md.join('\n')}` : '',
      literals.length ? `## Text in the model\n\n${literals.map((l) => `- ${mdText(l)}`).join('\n')}` : '',
      `## Entity types\n\n${markdownTable(countRows, true)}`,
    ]
      .filter(Boolean)
      .join('\n\n');
    return {
      text,
      markdown,
      metadata: {
        ...header,
        ...(schema ? { fileSchema: schema } : {}),
        instanceCount: instances,
        entityCounts: countsSorted,
        units,
        spatialStructure: roots,
        complete: summary.complete,
        ...(summary.complete ? {} : { unfinishedInstanceDropped: /^#\d+\s*=/.test(summary.tail) }),
      },
      tables: [{ name: 'entity counts', rows: countRows, hasHeader: true }],
      entities,
      warnings,
      counters: {
        items: instances,
        instances,
        types: counts.size,
        spatialElements: seen.size,
        elements: totalContained,
        textLiterals: literals.length + literalsDropped,
        modelStrings: strings.size,
      },
      indexOnly: strings.indexOnly(),
    };
  },
};

/** A literal as one line of Markdown text: its own markup characters escaped, line breaks as spaces. */
function mdText(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
