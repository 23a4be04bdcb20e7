/** Checks shared by the losses. @internal */
import { fail, showShape } from '../core/errors.js'
import { sameShape } from '../core/shape.js'
import { type Tensor, checkTensor } from '../core/Tensor.js'

/** Prediction and target must have the same shape: a broadcast here would silently average the wrong things. */
export const sameShapes = (op: string, pred: Tensor, target: Tensor): void => {
  checkTensor(op, pred, 'the prediction')
  checkTensor(op, target, 'the target')
  if (!sameShape(pred.shape, target.shape)) {
    fail('SHAPE_MISMATCH', op, `prediction ${showShape(pred.shape)} and target ${showShape(target.shape)} must have the same shape; reshape the target (a [batch] target for a [batch, 1] output needs reshape(target, [-1, 1])).`)
  }
}

