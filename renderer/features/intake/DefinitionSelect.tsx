import { DEFAULT_DEFINITION } from '../../store/automation.js';
import { useJobs } from '../../store/context.js';

interface Props {
  id: string;
  value: string;
  disabled?: boolean;
  onChange(name: string): void;
}

/** The job definitions (pipelines) to choose from; "extract" until they are loaded. */
export function DefinitionSelect({ id, value, disabled, onChange }: Props) {
  const definitions = useJobs((s) => s.definitions);
  const names = definitions?.map((d) => d.name) ?? [DEFAULT_DEFINITION];
  if (!names.includes(value)) names.unshift(value);
  const describe = (name: string) => definitions?.find((d) => d.name === name)?.description ?? '';
  return (
    <select id={id} value={value} disabled={disabled} title={describe(value)} onChange={(e) => onChange(e.target.value)}>
      {names.map((name) => (
        <option key={name} value={name} title={describe(name)}>
          {name}
          {name === DEFAULT_DEFINITION ? ' (default)' : ''}
        </option>
      ))}
    </select>
  );
}
