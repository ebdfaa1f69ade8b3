#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, regenerates the PyTorch-exported test
# models (tools/make_test_models.py, PyTorch outputs as the oracle), then `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null; then
  echo "test.sh: the .NET 10 SDK is needed (https://learn.microsoft.com/dotnet/core/install/linux; on Debian: apt-get install dotnet-sdk-10.0 from Microsoft's package feed)" >&2
  exit 1
fi

need_apt=()
/usr/bin/python3 -c "import torch, torchvision, onnx, numpy" 2>/dev/null || need_apt+=(python3-torch python3-torchvision python3-onnx python3-numpy)
# The Fashion-MNIST test set: the Vision tests check the shipped classifier's accuracy on it.
[[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]] || need_apt+=(dataset-fashion-mnist)
if ((${#need_apt[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "test.sh: installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "test.sh: missing Debian packages: ${need_apt[*]}" >&2
    echo "test.sh: install them with:  sudo apt-get update && sudo apt-get install -y ${need_apt[*]}   (or run ./test.sh as root)" >&2
    exit 1
  fi
fi

models="${KV_TEST_MODELS:-$PWD/artifacts/test-models}"
# .complete holds the exporter's hash: a changed tools/make_test_models.py re-exports the models.
stamp=$(sha256sum tools/make_test_models.py 2>/dev/null | cut -d' ' -f1 || true)
if [[ -f tools/make_test_models.py && "$(cat "$models/.complete" 2>/dev/null)" != "$stamp" ]]; then
  echo "test.sh: exporting test models to $models"
  rm -rf "$models"
  /usr/bin/python3 tools/make_test_models.py "$models"
  echo "$stamp" > "$models/.complete"
fi
export KV_TEST_MODELS="$models"

dotnet test KernelVision.sln -c Release "$@"
