/**
 * What is stored of a run's output: the value itself when its JSON fits the budget, else a marker with the
 * start of the JSON, so a large response cannot fill the database or every API answer that shows it.
 */
export function boundedForStorage(value: unknown, maxBytes: number): unknown {
  if (value === undefined || value === null) return value ?? null;
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxBytes) return value;
  const previewBytes = Math.max(0, maxBytes - 512); // Room for the marker's own fields.
  // A cut inside a multi-byte character decodes to U+FFFD; the preview is for reading, not parsing.
  const preview = Buffer.from(json, 'utf8').subarray(0, previewBytes).toString('utf8');
  return { truncated: true, message: `Output of ${bytes} bytes exceeds the stored limit of ${maxBytes} bytes; only its start is kept.`, bytes, preview };
}
