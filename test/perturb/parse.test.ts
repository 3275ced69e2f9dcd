/** The perturbation registry, presets and the --perturbations parser: ids, grids and errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import {
  defaultGrid, makeSpec, parsePerturbationId, parsePerturbations, PERTURBATIONS, PERTURBATION_NAMES, preset,
  withoutAlignment, identityAlignment,
} from '../../src/perturb/index.js';
import { throwsWith } from '../helpers.js';

const ids = (text: string) => parsePerturbations(text).map((s) => s.id);

test('default preset: every perturbation at its SPEC.md grid (30 specs)', () => {
  assert.equal(ids('default'), [
    'rotate:5', 'rotate:10', 'rotate:15', 'rotate:30',
    'translate_x:2.5', 'translate_x:5', 'translate_x:10',
    'translate_y:2.5', 'translate_y:5', 'translate_y:10',
    'scale:0.9', 'scale:1.1', 'hflip',
    'brightness:0.8', 'brightness:1.2', 'brightness:1.5',
    'contrast:0.7', 'contrast:1.3', 'gamma:0.8', 'gamma:1.25',
    'blur:0.5', 'blur:1', 'blur:2', 'noise:0.01', 'noise:0.05', 'noise:0.15',
    'jpeg:90', 'jpeg:70', 'jpeg:40', 'jpeg:20',
  ]);
  const rot = parsePerturbations('default')[0];
  assert.equal(rot, { id: 'rotate:5', name: 'rotate', family: 'geometric', severity: 5, unit: 'degrees', interpolation: 'bilinear', align: 'inverse' });
});

test('fass-paper preset: rotate 15 nearest without alignment, translate 20 px, brightness 1.5, noise 0.15, jpeg 40', () => {
  const specs = preset('fass-paper');
  assert.equal(specs.map((s) => s.id), ['rotate:15@nearest@noalign', 'translate_x:20px@noalign', 'brightness:1.5', 'noise:0.15', 'jpeg:40']);
  assert.is(specs[0].interpolation, 'nearest');
  assert.is(specs[0].align, 'none');
  assert.is(specs[1].unit, 'px');
  assert.is(specs[1].severity, 20);
  assert.ok(specs.every(identityAlignment));
});

test('a comma list: names alone are their default grids, | lists severities, order kept, repeats dropped', () => {
  assert.equal(ids('rotate:5|10,jpeg:40,hflip,blur'), ['rotate:5', 'rotate:10', 'jpeg:40', 'hflip', 'blur:0.5', 'blur:1', 'blur:2']);
  assert.equal(ids(' rotate : 5 | 10 , rotate:10.0 , rotate:5 '), ['rotate:5', 'rotate:10']);
  assert.equal(ids('translate:5'), ['translate_x:5', 'translate_y:5']);
  assert.equal(ids('translate'), ['translate_x:2.5', 'translate_x:5', 'translate_x:10', 'translate_y:2.5', 'translate_y:5', 'translate_y:10']);
  assert.equal(ids('translate_x:-20px|3.5px,translate_y:-5'), ['translate_x:-20px', 'translate_x:3.5px', 'translate_y:-5']);
  assert.equal(ids('rotate:15@nearest@noalign,scale@noalign,hflip@noalign'), ['rotate:15@nearest@noalign', 'scale:0.9@noalign', 'scale:1.1@noalign', 'hflip@noalign']);
  assert.equal(ids('rotate:15@bilinear'), ['rotate:15']);
  assert.equal(ids('fass-paper,jpeg:10'), [...preset('fass-paper').map((s) => s.id), 'jpeg:10']);
  assert.equal(ids('rotate:-45|180|0,noise:1e-2,scale:.5'), ['rotate:-45', 'rotate:180', 'rotate:0', 'noise:0.01', 'scale:0.5']);
});

test('every id parses back to the same spec', () => {
  const all = [...preset('default'), ...preset('fass-paper'), ...parsePerturbations('translate_y:7px@nearest,rotate:-3.5@noalign')];
  for (const s of all) assert.equal(parsePerturbationId(s.id), s, s.id);
  assert.throws(() => parsePerturbationId('rotate:5|10'), /not a perturbation id/);
  assert.throws(() => parsePerturbationId('rotate'), /not a perturbation id/);
});

test('errors name the bad value and what is accepted', async () => {
  await throwsWith(() => parsePerturbations(''), UserError, 'empty', 'default', 'fass-paper');
  await throwsWith(() => parsePerturbations('rotat:5'), UserError, '"rotat"', 'rotate', 'translate_x', 'jpeg', 'fass-paper');
  await throwsWith(() => parsePerturbations('rotate:200'), UserError, 'rotate:200', 'a number of degrees in (-180, 180]', 'got 200');
  await throwsWith(() => parsePerturbations('rotate:-180'), UserError, '(-180, 180]');
  await throwsWith(() => parsePerturbations('rotate:abc'), UserError, '"abc" is not a number', 'degrees');
  await throwsWith(() => parsePerturbations('rotate:'), UserError, 'no severity', 'degrees');
  await throwsWith(() => parsePerturbations('rotate:5||10'), UserError, 'severity "" is not a number');
  await throwsWith(() => parsePerturbations('hflip:3'), UserError, 'hflip takes no severity');
  await throwsWith(() => parsePerturbations('jpeg:40.5'), UserError, 'jpeg:40.5', 'an integer quality in [1, 100]', '40.5');
  await throwsWith(() => parsePerturbations('jpeg:0'), UserError, '[1, 100]');
  await throwsWith(() => parsePerturbations('translate_x:100'), UserError, '(-100, 100)', 'px');
  await throwsWith(() => parsePerturbations('brightness:2px'), UserError, 'only translate_x and translate_y take pixels');
  await throwsWith(() => parsePerturbations('scale:0'), UserError, 'a factor in (0, 10]', 'got 0');
  await throwsWith(() => parsePerturbations('noise:-0.1'), UserError, 'a standard deviation in (0, 1]');
  await throwsWith(() => parsePerturbations('blur@nearest'), UserError, 'blur does not take @nearest', 'no options');
  await throwsWith(() => parsePerturbations('hflip@nearest'), UserError, 'hflip does not take @nearest', '@noalign');
  await throwsWith(() => parsePerturbations('rotate:5@fast'), UserError, 'unknown option "@fast"', '@nearest', '@noalign');
  await throwsWith(() => parsePerturbations('rotate:5,,jpeg'), UserError, 'empty item');
  await throwsWith(() => parsePerturbations('rotate:5,'), UserError, 'empty item');
});

test('registry: grids and families as SPEC.md, makeSpec validates', async () => {
  assert.equal(PERTURBATION_NAMES, ['rotate', 'translate_x', 'translate_y', 'scale', 'hflip', 'brightness', 'contrast', 'gamma', 'blur', 'noise', 'jpeg']);
  assert.equal(PERTURBATIONS.rotate.grid, [5, 10, 15, 30]);
  assert.equal(PERTURBATIONS.jpeg.grid, [90, 70, 40, 20]);
  assert.is(PERTURBATIONS.jpeg.family, 'compression');
  assert.is(PERTURBATIONS.gamma.family, 'photometric');
  assert.is(PERTURBATIONS.hflip.severity, null);
  for (const n of PERTURBATION_NAMES) assert.ok(PERTURBATIONS[n].meaning.length > 10 && PERTURBATIONS[n].accepts.length > 5, n);
  assert.equal(defaultGrid('hflip').map((s) => s.id), ['hflip']);
  await throwsWith(() => makeSpec('twist', 5), UserError, '"twist"', 'rotate');
  await throwsWith(() => makeSpec('rotate'), UserError, 'rotate needs a severity', 'degrees');
  await throwsWith(() => makeSpec('rotate', Number.NaN), UserError, 'rotate severity must be a number of degrees');
  await throwsWith(() => makeSpec('rotate', Infinity), UserError, '(-180, 180]');
  await throwsWith(() => makeSpec('hflip', 1), UserError, 'hflip takes no severity');
  await throwsWith(() => makeSpec('noise', 0.1, { align: 'none' }), UserError, 'noise needs no alignment');
  await throwsWith(() => makeSpec('jpeg', 40, { interpolation: 'nearest' }), UserError, 'jpeg has no interpolation');
  const r = makeSpec('rotate', 30);
  assert.is(withoutAlignment(r).id, 'rotate:30@noalign');
  assert.is(withoutAlignment(makeSpec('jpeg', 40)).id, 'jpeg:40');
  assert.ok(Object.isFrozen(r));
});

test.run();
