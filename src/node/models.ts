/**
 * The networks the command line trains on MNIST, shared with the tests that check them. @internal
 */
import * as Net from '../net/index.js'

export const models = {
  // conv 3×3×16 → pool → conv 3×3×32 → pool → dense 64 → 10: about 110k parameters
  cnn: () =>
    Net.serial(
      Net.reshape([28, 28, 1]),
      Net.conv2d(16, 3, { padding: 'same', init: 'heNormal' }),
      Net.relu,
      Net.maxPool2d(2),
      Net.conv2d(32, 3, { padding: 'same', init: 'heNormal' }),
      Net.relu,
      Net.maxPool2d(2),
      Net.flatten,
      Net.dense(64, { init: 'heNormal' }),
      Net.relu,
      Net.dropout(0.75),
      Net.dense(10),
    ),
  mlp: () => Net.serial(Net.dense(256, { init: 'heNormal' }), Net.relu, Net.dropout(0.75), Net.dense(128, { init: 'heNormal' }), Net.relu, Net.dropout(0.9), Net.dense(10)),
} as const
