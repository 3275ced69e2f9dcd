import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputFileError, UserError } from '../../src/errors.js';
import { openDataset } from '../../src/data/index.js';
import { setLoadStartHook } from '../../src/data/stream.js';
import { centreOffset } from '../../src/data/decode.js';
import { collect, sleep, tempDir, throwsWith } from '../helpers.js';

type Rgb = [number, number, number];

/** A solid-colour image file, encoded by sharp in the format its extension names. */
async function solid(path: string, w: number, h: number, [r, g, b]: Rgb): Promise<void> {
  const img = sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });
  await (path.toLowerCase().endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(path);
}

/** An image of vertical (or horizontal) bands, one colour each, from raw pixels. */
async function bands(path: string, w: number, h: number, colours: Rgb[], vertical: boolean): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const band = Math.floor(((vertical ? x / w : y / h)) * colours.length);
    raw.set(colours[band], (y * w + x) * 3);
  }
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

/** A 24-bit bottom-up BMP written byte by byte (sharp cannot write or read BMP). */
function bmp24(path: string, w: number, h: number, [r, g, b]: Rgb): void {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * h);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set([b, g, r], 54 + y * stride + x * 3);
  writeFileSync(path, buf);
}

/** Per-channel mean of sample k of a batch. */
function meanOf(data: Float32Array, k: number, c: number, side: number): number[] {
  const plane = side * side;
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    for (let j = 0; j < plane; j++) s += data[(k * c + ch) * plane + j];
    return s / plane;
  });
}

function near(got: number[], want: Rgb | number[], tol: number, what: string): void {
  const w = want.map((v) => v / 255);
  assert.ok(got.every((g, i) => Math.abs(g - w[i]) <= tol), `${what}: got [${got.map((v) => v.toFixed(3))}], want [${w.map((v) => v.toFixed(3))}]`);
}

const RED: Rgb = [255, 0, 0], GREEN: Rgb = [0, 255, 0], BLUE: Rgb = [0, 0, 255], OLIVE: Rgb = [120, 140, 30];

const tree = tempDir('folder-tree');
mkdirSync(join(tree, 'dog'));
mkdirSync(join(tree, 'cat'));
await solid(join(tree, 'cat', 'a.png'), 40, 30, RED);
await solid(join(tree, 'cat', 'b.JPG'), 30, 40, GREEN);
await solid(join(tree, 'dog', 'c.png'), 20, 20, BLUE);
writeFileSync(join(tree, 'dog', 'd.jpg'), Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 97 + 13) % 256)));
bmp24(join(tree, 'dog', 'e.bmp'), 5, 3, OLIVE);
writeFileSync(join(tree, 'dog', 'notes.txt'), 'not an image');

test('class folders: labels, ids, shape, colours; a corrupt file is a recorded error', async () => {
  const ds = await openDataset(tree, { size: 16 });
  assert.equal(ds.classes, ['cat', 'dog']);
  assert.is(ds.size, 5);
  assert.equal(ds.shape, [3, 16, 16]);
  const [b, ...rest] = await collect(ds, 10);
  assert.is(rest.length, 0);
  assert.equal(b.ids, ['cat/a.png', 'cat/b.JPG', 'dog/c.png', 'dog/e.bmp']);
  assert.equal(b.indices, [0, 1, 2, 4]);
  assert.equal(Array.from(b.labels), [0, 0, 1, 1]);
  assert.equal(b.shape, [4, 3, 16, 16]);
  assert.is(b.data.length, 4 * 3 * 16 * 16);
  assert.is(b.errors.length, 1);
  assert.is(b.errors[0].id, 'dog/d.jpg');
  assert.is(b.errors[0].index, 3);
  assert.ok(/unsupported image format/i.test(b.errors[0].reason), b.errors[0].reason);
  near(meanOf(b.data, 0, 3, 16), RED, 1 / 255, 'png red');
  near(meanOf(b.data, 1, 3, 16), GREEN, 6 / 255, 'jpeg green');
  near(meanOf(b.data, 2, 3, 16), BLUE, 1 / 255, 'png blue');
  near(meanOf(b.data, 3, 3, 16), OLIVE, 1 / 255, 'bmp olive');
  const mean = Array.from(await ds.meanColour());
  near(mean, [0, 1, 2].map((c) => (RED[c] + GREEN[c] + BLUE[c] + OLIVE[c]) / 4), 3 / 255, 'meanColour');
});

test('errors are reported in the batch that covers their index', async () => {
  const bs = await collect(await openDataset(tree, { size: 8 }), 2);
  assert.equal(bs.map((b) => b.shape[0]), [2, 1, 1]);
  assert.equal(bs.map((b) => b.errors.map((e) => e.index)), [[], [3], []]);
  const only = await collect(await openDataset(tree, { size: 8 }), 1, { start: 3, end: 4 });
  assert.equal(only[0].shape, [0, 3, 8, 8]);
  assert.is(only[0].data.length, 0);
  assert.is(only[0].errors[0].id, 'dog/d.jpg');
});

test('centre crop keeps the middle band of a wide and of a tall image', async () => {
  const dir = tempDir('folder-crop');
  await bands(join(dir, 'tall.png'), 32, 96, [RED, GREEN, BLUE], false);
  await bands(join(dir, 'wide.png'), 96, 32, [RED, GREEN, BLUE], true);
  // resize 16: shorter side 32 -> 16, long side 96 -> 48, and the 16-wide crop is the middle third.
  const [b] = await collect(await openDataset(dir, { size: 16, resize: 16 }), 2);
  assert.equal(b.ids, ['tall.png', 'wide.png']);
  for (let k = 0; k < 2; k++) near(meanOf(b.data, k, 3, 16), GREEN, 0.02, b.ids[k]);
});

test('centre crop offsets: a gradient image shows which columns and rows were kept', async () => {
  const dir = tempDir('folder-gradient');
  // Red rises with x, blue with y: value v/95 at coordinate v of a 96-pixel side.
  const w = 96, h = 32, raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([Math.round((x * 255) / 95), 0, Math.round((y * 255) / 31)], (y * w + x) * 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(dir, 'wide.png'));
  const [b] = await collect(await openDataset(dir, { size: 16, resize: 16 }), 1);
  // Halved to 48x16; the crop keeps resized columns 16..31, whose centres are original x = 2c + 0.5.
  for (const j of [0, 7, 15]) {
    const want = (2 * (16 + j) + 0.5) / 95;
    const got = b.data[8 * 16 + j];
    assert.ok(Math.abs(got - want) < 0.02, `column ${j}: red ${got.toFixed(3)}, want ${want.toFixed(3)}`);
  }
  // All rows are kept (the short side is the crop side), so blue spans top to bottom.
  assert.ok(b.data[2 * 256 + 0 * 16 + 8] < 0.1 && b.data[2 * 256 + 15 * 16 + 8] > 0.9, 'rows');
});

test('centre offsets round half to even, like torchvision', () => {
  assert.is(centreOffset(256, 224), 16);
  assert.is(centreOffset(25, 16), 4); // 4.5 -> 4
  assert.is(centreOffset(27, 16), 6); // 5.5 -> 6
});

test('channels 1 vs 3', async () => {
  const dir = tempDir('folder-grey');
  await solid(join(dir, 'grey.png'), 12, 12, [128, 128, 128]);
  await solid(join(dir, 'white.png'), 12, 12, [255, 255, 255]);
  const one = await openDataset(dir, { size: 8, channels: 1 });
  assert.equal(one.shape, [1, 8, 8]);
  const [g] = await collect(one, 4);
  assert.equal(g.shape, [2, 1, 8, 8]);
  near(meanOf(g.data, 0, 1, 8), [128], 1.5 / 255, 'grey as 1 channel');
  near(meanOf(g.data, 1, 1, 8), [255], 1 / 255, 'white as 1 channel');
  const [c] = await collect(await openDataset(dir, { size: 8, channels: 3 }), 4);
  assert.equal(c.shape, [2, 3, 8, 8]);
  near(meanOf(c.data, 0, 3, 8), [128, 128, 128], 1 / 255, 'grey as 3 channels');
});

test('flat folder with a labels CSV (class names, rows without extension), and without one', async () => {
  const dir = tempDir('folder-flat');
  for (const [k, f] of ['x1.png', 'x2.png', 'x3.png'].entries()) await solid(join(dir, f), 10, 10, [k * 50, 0, 0]);
  const csv = join(tempDir('folder-csv'), 'labels.csv');
  writeFileSync(csv, 'filename,label\nx1.png,zebra\n"x3",ant\n');
  const ds = await openDataset(`folder:${dir}`, { size: 8, labels: csv });
  assert.equal(ds.classes, ['ant', 'zebra']);
  const [b] = await collect(ds, 8);
  assert.equal(b.ids, ['x1.png', 'x2.png', 'x3.png']);
  assert.equal(Array.from(b.labels), [1, -1, 0]);
  writeFileSync(csv, 'id,label,filename\n0,4,x2.png\n');
  const [n] = await collect(await openDataset(dir, { size: 8, labels: csv }), 8);
  assert.equal(Array.from(n.labels), [-1, 4, -1]);
  const plain = await openDataset(dir, { size: 8 });
  assert.is(plain.classes, null);
  assert.equal(Array.from((await collect(plain, 8))[0].labels), [-1, -1, -1]);
  writeFileSync(csv, 'file,class\nx1.png,3\n');
  await throwsWith(openDataset(dir, { size: 8, labels: csv }), InputFileError, csv, 'filename,label');
});

test('layout mistakes are UserErrors', async () => {
  await throwsWith(openDataset(tree, { labels: 'l.csv' }), UserError, 'l.csv', 'flat folder');
  const mixed = tempDir('folder-mixed');
  mkdirSync(join(mixed, 'k'));
  await solid(join(mixed, 'k', 'a.png'), 4, 4, RED);
  await solid(join(mixed, 'loose.png'), 4, 4, RED);
  await throwsWith(openDataset(mixed), UserError, mixed, 'class subfolders', 'loose.png');
  const empty = tempDir('folder-empty');
  writeFileSync(join(empty, 'readme.txt'), 'x');
  await throwsWith(openDataset(empty), UserError, empty, 'no images', '.jpg');
});

// 20 images with grey level 10 * i, so each sample's pixels tell where it came from.
const many = tempDir('folder-many');
for (let i = 0; i < 20; i++) await solid(join(many, `img${String(i).padStart(2, '0')}.png`), 8, 8, [10 * i, 10 * i, 10 * i]);

test('streaming: 20 images in batches of 4 give 5 ordered batches of the right images', async () => {
  const ds = await openDataset(many, { size: 8, n: 100 });
  assert.is(ds.size, 20);
  const bs = await collect(ds, 4);
  assert.is(bs.length, 5);
  const ids = bs.flatMap((b) => b.ids);
  assert.is(new Set(ids).size, 20);
  assert.equal(ids, [...ids].sort());
  assert.equal(bs.flatMap((b) => b.indices), Array.from({ length: 20 }, (_, i) => i));
  bs.forEach((b, k) => b.ids.forEach((_, j) => near(meanOf(b.data, j, 3, 8), [10 * (4 * k + j), 10 * (4 * k + j), 10 * (4 * k + j)], 1 / 255, b.ids[j])));
});

test('prefetch: when batch k arrives, decoding of batch k+1 has started, and nothing beyond', async () => {
  const ds = await openDataset(many, { size: 8 });
  for (const prefetch of [1, 2]) {
    const started: number[] = [];
    setLoadStartHook(({ dataset, start }) => { if (dataset === ds.name) started.push(start); });
    try {
      let k = 0;
      for await (const b of ds.batches(4, { prefetch })) {
        assert.is(b.indices[0], 4 * k);
        assert.equal(started, Array.from({ length: Math.min(5, k + 1 + prefetch) }, (_, j) => 4 * j), `prefetch ${prefetch}, batch ${k}`);
        await sleep(20); // the consumer's compute, during which batch k+1 decodes
        k++;
      }
      assert.is(k, 5);
    } finally {
      setLoadStartHook(null);
    }
  }
});

test.run();
