/**
 * Data utilities, all pure and keyed: data sets, train/dev/test splits, shuffles and
 * mini-batches, normalisation fitted on the training set (and its inverse), PCA and whitening,
 * augmentation, and pipelines for data beyond memory (sources and keyed stages run per epoch).
 *
 * ```ts
 * import { Data, Rng } from 'puregrad'
 * const [train, dev, test] = Data.split(Rng.key(0), Data.dataset(x, y), [0.6, 0.2, 0.2])
 * const s = Data.fitStandardizer(train.x)            // fitted on train only
 * const devX = Data.standardize(s, dev.x)           // applied unchanged
 * for (const batch of Data.batches(Rng.foldIn(key, epoch), train, 64)) { … }
 * const p = Data.pipeline(Data.generate(n, (i) => example(i)), [Data.shuffleBuffer({ buffer: 1024 }), Data.batch(64)])
 * for await (const batch of Data.stream(p, key, epoch)) { … }
 * ```
 *
 * @category namespaces
 * @since 0.1.0
 * @module
 */
export * from './Dataset.js'
export * from './split.js'
export * from './normalize.js'
export * from './pca.js'
export * from './augment.js'
export * from './pipeline.js'
export * from './sources.js'
export * from './stages.js'
