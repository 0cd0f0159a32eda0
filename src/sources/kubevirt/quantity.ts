// Kubernetes resource quantities ("500m", "4Gi", "1e9", "128974848") as plain numbers.
// Grammar: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_MULTIPLIER: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  const multiplier = /^[eE][+-]?\d/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_MULTIPLIER[suffix];
  const result = number * multiplier;
  return Number.isFinite(result) ? result : undefined;
}

/** CPU in cores, kept to millicore precision ("3800m" → 3.8). */
export function parseCpuCores(value: unknown): number | undefined {
  const cores = parseQuantity(value);
  return cores === undefined ? undefined : Math.round(cores * 1000) / 1000;
}

/** Bytes → MiB, the unit `Resources.memoryMb` uses everywhere in the extension. */
export function bytesToMb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

export function parseMemoryBytes(value: unknown): number | undefined {
  const bytes = parseQuantity(value);
  return bytes === undefined ? undefined : Math.round(bytes);
}
