// Content Credentials: the time to sign one exported file (PNG, JPEG, WebP at the example's crop
// sizes) and to read and validate it back, on this machine, in one run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { ContentSigner, readContentCredentials } from '../src/credentials/content-credentials.ts';
import { createDevelopmentCredentials } from '../src/credentials/development-credentials.ts';
import { digitalSourceTypes } from '../src/credentials/software-agent.ts';
import { type BenchSection, formatSection, median, percentile } from './bench-section.ts';

const rounds = 20;
const formats = [
  ['png', 'image/png'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
] as const;

export async function run(): Promise<BenchSection> {
  const folder = await mkdtemp(join(tmpdir(), 'atelier-credentials-bench-'));
  try {
    const made = await createDevelopmentCredentials(folder);
    const signer = ContentSigner.fromPem({
      certificateChainPem: await readFile(made.certificateChainPath, 'utf8'),
      privateKeyPem: await readFile(made.privateKeyPath, 'utf8'),
    });
    const content = {
      title: 'bench',
      actions: [
        { action: 'c2pa.created', digitalSourceType: digitalSourceTypes.algorithmicMedia },
        { action: 'c2pa.resized' },
        { action: 'c2pa.cropped' },
      ],
      provenance: { run: 'bench', shot: 'bench', seed: 1 },
    };
    const rows: BenchSection['rows'] = [];
    for (const [format, mediaType] of formats) {
      // The example's 4:5 crop, with texture so the encoded size is realistic.
      const image = await sharp({
        create: {
          width: 819,
          height: 1024,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 30 },
        },
      })
        [format]()
        .toBuffer();
      const signing: number[] = [];
      const reading: number[] = [];
      let signed: Uint8Array = image;
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        signed = await signer.sign(image, mediaType, content);
        signing.push(performance.now() - started);
        started = performance.now();
        await readContentCredentials(signed, mediaType);
        reading.push(performance.now() - started);
      }
      rows.push({
        format,
        'file kB': Math.round(image.byteLength / 1024),
        'manifest kB': Math.round((signed.byteLength - image.byteLength) / 1024),
        'sign p50 ms': median(signing).toFixed(1),
        'sign p95 ms': percentile(signing, 0.95).toFixed(1),
        'read+validate p50 ms': median(reading).toFixed(1),
      });
    }
    return {
      title: 'Content Credentials (C2PA) per exported file',
      rows,
      notes: [
        `${rounds} rounds per format, 819x1024 crops, ES256 development signer, no embedded thumbnail.`,
      ],
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  process.stdout.write(formatSection(await run()));
