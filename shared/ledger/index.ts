/** The ledger's pure core: leaves, Merkle tree, proofs and signed checkpoints (hashing and signatures injected). */
export * from './hash.ts';
export * from './encoding.ts';
export * from './errors.ts';
export * from './leaf.ts';
export * from './merkle.ts';
export * from './proof.ts';
export * from './checkpoint.ts';
export * from './leaf-fast.ts';
