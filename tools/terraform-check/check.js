#!/usr/bin/env node
// Offline checks of a Terraform tree (no terraform binary needed):
//   node check.js TERRAFORM_DIR [--tfvars FILE] [--render OUT_DIR SAMPLE_VALUES.json]
// - parses every .tf and .tftest.hcl (syntax errors as file:line:col)
// - every module directory has versions.tf; every variable a type and a description
// - every var.NAME used is declared in its module (tests: in the root module)
// - no provisioners; no inbound rules on the agents' security groups
// - in a module with a `region` variable every AWS resource names its region (provider >= 6)
// - user_data templates get no tokens or secrets
// - a tfvars file (from `throng plan --tfvars`) sets only root variables, in their shape
// - with --render: renders every boot script (*.sh.tftpl) with sample values
//   into OUT_DIR/NAME.sh, and the cloud-init template once around each of
//   them (OUT_DIR/NAME-cloud-init.yaml), for shellcheck and a YAML check
// Exits 1 listing every problem.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('@cdktf/hcl2json');

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

// hcl2json reports "file.tf:2,10-3,1: message"; make it file:2:10: message.
function syntaxError(file, error) {
  const text = String(error && error.message ? error.message : error);
  const m = text.match(/:(\d+),(\d+)(?:-\d+(?:,\d+)?)?: ([^\]]*)/);
  return m ? `${file}:${m[1]}:${m[2]}: ${m[3].trim()}` : `${file}: ${text}`;
}

// Every string inside a parsed value, for reference scans.
function strings(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

// A token, secret or password value (not the name of a parameter holding one).
const secretReference = /var\.\w*(tokens?|secrets?|passwords?)\b|random_password\.|aws_ssm_parameter\.\w+\.value/;

function blocks(parsed, kind) {
  // { kind: { type: { name: [body] } } } for resource/data; { variable: { name: [body] } }
  return parsed[kind] || {};
}

async function main() {
  const args = process.argv.slice(2);
  const root = args[0];
  if (!root) {
    console.error('usage: check.js TERRAFORM_DIR [--tfvars FILE] [--render OUT_DIR SAMPLES.json]');
    process.exit(2);
  }
  const tfvars = args.includes('--tfvars') ? args[args.indexOf('--tfvars') + 1] : null;
  const renderAt = args.indexOf('--render');
  const render = renderAt >= 0 ? { out: args[renderAt + 1], samples: JSON.parse(fs.readFileSync(args[renderAt + 2], 'utf8')) } : null;

  const files = walk(root).filter((f) => f.endsWith('.tf') || f.endsWith('.tftest.hcl'));
  const parsed = new Map();
  for (const file of files) {
    try {
      parsed.set(file, await parse(path.basename(file), fs.readFileSync(file, 'utf8')));
    } catch (e) {
      problems.push(syntaxError(file, e));
    }
  }

  // Module directories: those holding .tf files.
  const modules = new Map();
  for (const [file, body] of parsed) {
    if (!file.endsWith('.tf')) continue;
    const dir = path.dirname(file);
    if (!modules.has(dir)) modules.set(dir, []);
    modules.get(dir).push([file, body]);
  }
  const declared = new Map();
  for (const [dir, list] of modules) {
    if (!fs.existsSync(path.join(dir, 'versions.tf'))) problem(dir, 'no versions.tf (pin terraform and provider versions there)');
    const names = new Set();
    for (const [file, body] of list) {
      for (const [name, bodies] of Object.entries(blocks(body, 'variable'))) {
        names.add(name);
        const v = bodies[0] || {};
        if (!('type' in v)) problem(file, `variable "${name}" has no type`);
        if (!v.description) problem(file, `variable "${name}" has no description`);
      }
    }
    declared.set(dir, names);
  }

  for (const [dir, list] of modules) {
    const names = declared.get(dir);
    // A module placed per region: one provider serves every region, so each resource names its own.
    const regional = names.has('region') && path.normalize(dir) !== path.normalize(root);
    for (const [file, body] of list) {
      for (const s of strings(body))
        for (const m of s.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g))
          if (!names.has(m[1])) problem(file, `var.${m[1]} is not declared in ${dir}`);
      for (const kind of ['resource', 'data'])
        for (const [type, named] of Object.entries(blocks(body, kind)))
          for (const [name, bodies] of Object.entries(named)) {
            const b = bodies[0] || {};
            const where = `${file}: ${kind} ${type}.${name}`;
            if ('provisioner' in b) problems.push(`${where}: provisioners are not allowed (use cloud-init)`);
            if (typeof b.user_data === 'string' && secretReference.test(b.user_data))
              problems.push(`${where}: user_data must not carry tokens or secrets (fetch them from Parameter Store at boot)`);
            if (regional && type.startsWith('aws_') && !type.startsWith('aws_iam_') && !('region' in b))
              problems.push(`${where}: set region = var.region (one provider serves every region)`);
            if (dir.endsWith(path.join('modules', 'agent_region'))) {
              if (type === 'aws_security_group' && 'ingress' in b) problems.push(`${where}: agents take no inbound traffic`);
              if (type === 'aws_vpc_security_group_ingress_rule') problems.push(`${where}: agents take no inbound traffic`);
              if (type === 'aws_security_group_rule' && b.type === 'ingress') problems.push(`${where}: agents take no inbound traffic`);
            }
          }
    }
  }

  // Tests refer to the root module's variables.
  const rootVars = declared.get(root.replace(/\/$/, '')) || declared.get(path.normalize(root)) || new Set();
  for (const [file, body] of parsed) {
    if (!file.endsWith('.tftest.hcl')) continue;
    for (const s of strings(body))
      for (const m of s.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g))
        if (!rootVars.has(m[1])) problem(file, `var.${m[1]} is not a variable of the root module`);
    for (const run of Object.values(body.run || {}))
      for (const vars of (run[0] && run[0].variables) || [])
        for (const name of Object.keys(vars)) if (!rootVars.has(name)) problem(file, `run sets ${name}, not a root variable`);
  }

  if (tfvars) {
    const values = JSON.parse(fs.readFileSync(tfvars, 'utf8'));
    const rootModule = modules.get(path.normalize(root)) || modules.get(root.replace(/\/$/, '')) || [];
    const types = {};
    for (const [, body] of rootModule) for (const [name, b] of Object.entries(blocks(body, 'variable'))) types[name] = String(b[0].type);
    for (const [key, value] of Object.entries(values)) {
      if (!(key in types)) {
        problem(tfvars, `${key} is not a variable of ${root}`);
        continue;
      }
      const type = types[key];
      if (type.includes('map(object(') && value && typeof value === 'object')
        for (const [k, item] of Object.entries(value))
          for (const field of Object.keys(item))
            if (!new RegExp(`\\b${field}\\s*=`).test(type)) problem(tfvars, `${key}["${k}"].${field} is not in the variable's type ${type}`);
      if (type.includes('number') && !type.includes('(') && typeof value !== 'number') problem(tfvars, `${key} should be a number`);
      if (type.startsWith('${list(') && !Array.isArray(value)) problem(tfvars, `${key} should be a list`);
    }
  }

  if (render) renderTemplates(root, render);

  if (problems.length) {
    problems.forEach((p) => console.error(p));
    console.error(`${problems.length} problem(s) in ${root}`);
    process.exit(1);
  }
  console.log(`ok: ${files.length} files in ${modules.size} modules parsed and checked`);
}

// templatefile() syntax the templates may use: ${name}, ${indent(N, name)}
// and the $${ escape. Anything else is reported, so the templates stay
// renderable here.
function renderTemplate(file, text, values) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (text.startsWith('%{', i)) {
      problem(file, 'template directives (%{ ... }) are not rendered by the offline check');
      return out;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i);
      const expr = text.slice(i + 2, end).trim();
      let m;
      if ((m = expr.match(/^indent\((\d+),\s*([A-Za-z_]\w*)\)$/))) {
        const v = values[m[2]];
        if (v === undefined) problem(file, `no sample value for ${m[2]}`);
        out += String(v).split('\n').map((line, k) => (k && line ? ' '.repeat(Number(m[1])) + line : line)).join('\n');
      } else if (/^[A-Za-z_]\w*$/.test(expr)) {
        if (values[expr] === undefined) problem(file, `no sample value for ${expr}`);
        out += String(values[expr]);
      } else {
        problem(file, `unsupported template expression \${${expr}}`);
      }
      i = end + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

function renderTemplates(root, { out, samples }) {
  fs.mkdirSync(out, { recursive: true });
  const templates = walk(root).filter((f) => f.endsWith('.tftpl'));
  const scripts = templates.filter((t) => t.endsWith('.sh.tftpl'));
  const wrappers = templates.filter((t) => !t.endsWith('.sh.tftpl'));
  for (const s of scripts) {
    const name = path.basename(s, '.sh.tftpl');
    const script = renderTemplate(s, fs.readFileSync(s, 'utf8'), samples);
    fs.writeFileSync(path.join(out, `${name}.sh`), script);
    const values = { ...samples, boot_script: script, boot_path: `/usr/local/sbin/throng-${name}` };
    for (const w of wrappers)
      fs.writeFileSync(path.join(out, `${name}-${path.basename(w, '.tftpl')}`), renderTemplate(w, fs.readFileSync(w, 'utf8'), values));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
