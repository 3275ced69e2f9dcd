export * from './types.js';
export * from './registry.js';
export { deriveSeed, seedsFor } from './seeds.js';
