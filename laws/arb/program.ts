/** Random differentiable programs: those of puregrad/testing, under the names the laws use. */
export { type Program, PROGRAM_SHAPE as SHAPE, program, programInput as input, runProgram as run, showProgram as show } from '../../src/testing/program.js'
