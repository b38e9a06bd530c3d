#!/bin/bash
# Submits the array of check-array.sbatch and the merge job that starts once every task of the
# array has succeeded (--dependency=afterok). Run from the directory the reports go to.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable "$here/check-array.sbatch")
sbatch --dependency=afterok:"${array%%;*}" "$here/merge.sbatch"
