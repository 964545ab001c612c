#!/usr/bin/env bash
# terraform/ checked offline (no terraform binary here): every file parses,
# the structural checks of tools/terraform-check pass, the tfvars `throng
# plan` writes fit the root module, and the cloud-init templates render to
# valid YAML whose boot scripts pass shellcheck. The checker is first shown
# to catch each kind of mistake on a broken copy.
#   terraform_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
check=$source/tools/terraform-check/check.js
[[ -d $source/tools/terraform-check/node_modules/@cdktf/hcl2json ]] ||
  { echo "FAIL: run scripts/install-deps.sh (it installs tools/terraform-check with npm ci)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The checker catches what it claims to.
cp -r "$source/terraform" "$work/broken"
cat >>"$work/broken/modules/agent_region/main.tf" <<'HCL'
resource "aws_security_group" "oops" {
  region = var.region
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.office_cidr]
  }
}
resource "aws_instance" "bastion" {
  ami = "ami-1"
  provisioner "local-exec" {
    command = "echo hi"
  }
}
HCL
printf 'variable "undocumented" {\n  type = string\n}\n' >>"$work/broken/variables.tf"
printf 'locals {\n  broken = \n}\n' >"$work/broken/modules/controller/broken.tf"
rm "$work/broken/modules/reference_server/versions.tf"
echo '{"agent_regions": {"eu-west-1": {"agents": 1, "gpus": 2}}, "colour": "blue"}' >"$work/bad.tfvars.json"
if node "$check" "$work/broken" --tfvars "$work/bad.tfvars.json" >"$work/broken.out" 2>&1; then
  fail "the checker passed a broken tree"
fi
for expected in \
  "modules/controller/broken.tf:2:" \
  "var.office_cidr is not declared" \
  "aws_security_group.oops: agents take no inbound traffic" \
  "aws_instance.bastion: set region = var.region" \
  "aws_instance.bastion: provisioners are not allowed" \
  'variable "undocumented" has no description' \
  "modules/reference_server: no versions.tf" \
  'agent_regions["eu-west-1"].gpus is not in the variable' \
  "colour is not a variable"; do
  grep -qF "$expected" "$work/broken.out" || { cat "$work/broken.out" >&2; fail "the checker missed: $expected"; }
done

# 2. The real tree, with a fleet from the capacity planner.
"$build/bin/throng" plan --mau 1e9 --messages-per-month 1e12 --regions us-east-1,eu-west-1,ap-south-1 \
  --tfvars "$work/fleet.tfvars.json" >/dev/null
node "$check" "$source/terraform" --tfvars "$work/fleet.tfvars.json" \
  --render "$work/rendered" "$source/tools/terraform-check/samples.json"

# 3. Rendered cloud-init around each boot script: YAML with the script intact; the scripts pass shellcheck.
shopt -s nullglob
scripts=("$work"/rendered/*.sh)
((${#scripts[@]} == 2)) || fail "expected the agent's and the services' boot scripts, got ${#scripts[@]}"
for script in "${scripts[@]}"; do
  y=${script%.sh}-cloud-init.yaml
  python3 - "$y" "$script" <<'PY' || fail "$y"
import sys, yaml
path, script = sys.argv[1], sys.argv[2]
text = open(path).read()
assert text.startswith("#cloud-config\n"), "the first line must be #cloud-config"
doc = yaml.safe_load(text)
files = doc["write_files"]
assert files[0]["content"] == open(script).read(), "the boot script did not survive the YAML indentation"
assert [files[0]["path"]] in doc["runcmd"], "runcmd must run the boot script"
PY
done
shellcheck "${scripts[@]}" "$source/deploy/debian/postinst" "$source/deploy/rehearse/rehearse.sh" \
  "$source/tests/packaging_test.sh" "$source/tests/rehearsal_test.sh" "$0"
if command -v cloud-init >/dev/null; then
  for y in "$work"/rendered/*-cloud-init.yaml; do cloud-init schema --config-file "$y"; done
fi
echo "terraform ok"
