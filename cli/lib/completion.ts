// Shell completion scripts generated from the commander tree, so they never drift from the commands.
import type { Command, Option } from 'commander';

interface Node {
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: string[];
  /** Option flag → values it accepts. */
  choices: Map<string, string[]>;
  /** Options that take a value (their next word is not a subcommand). */
  valued: string[];
}

function flagsOf(o: Option): string[] {
  return [o.short, o.long].filter((f): f is string => typeof f === 'string');
}

/** Every command path ("", "topics", "topics create", …) with what may follow it. */
export function commandNodes(root: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (cmd: Command, path: string) => {
    const options = cmd.options.filter((o) => !o.hidden);
    const node: Node = {
      path,
      subcommands: cmd.commands
        .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
        .map((c) => ({ name: c.name(), description: c.description() })),
      options: [...options.flatMap(flagsOf), '--help'],
      choices: new Map(),
      valued: [],
    };
    if (path === '' && node.subcommands.length > 0 && !node.subcommands.some((s) => s.name === 'help')) {
      node.subcommands.push({ name: 'help', description: 'display help for a command' });
    }
    for (const o of options) {
      if (o.required || o.optional) node.valued.push(...flagsOf(o));
      if (o.argChoices) for (const f of flagsOf(o)) node.choices.set(f, o.argChoices);
    }
    node.options = [...new Set(node.options)];
    nodes.push(node);
    for (const sub of cmd.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(root, '');
  return nodes;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function pathCase(nodes: Node[]): string {
  return nodes
    .filter((n) => n.path !== '')
    .map((n) => `"${n.path}"`)
    .join('|');
}

/** The program's name; commander falls back to the script's file name ("main") when none was set. */
function programName(root: Command): string {
  const name = root.name();
  return name && name !== 'main' ? name : 'sluice';
}

export function bashScript(root: Command): string {
  const name = programName(root);
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const nodes = commandNodes(root);
  const cases = nodes
    .map((n) => {
      const choiceCases = [...n.choices]
        .map(
          ([flag, values]) =>
            `          ${flag}) COMPREPLY=( $(compgen -W ${q(values.join(' '))} -- "$cur") ); return ;;`,
        )
        .join('\n');
      return [
        `    "${n.path}")`,
        `      subs=${q(n.subcommands.map((s) => s.name).join(' '))}`,
        `      opts=${q(n.options.join(' '))}`,
        `      valued=${q(` ${n.valued.join(' ')} `)}`,
        choiceCases ? `      case "$prev" in\n${choiceCases}\n      esac` : '',
        '      ;;',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n');
  return `# bash completion for ${name}. Load it with:  source <(${name} completion bash)
# or save it as ~/.local/share/bash-completion/completions/${name}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" w i next
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    next="\${cmdpath:+$cmdpath }$w"
    case "$next" in
      ${pathCase(nodes) || '""'}) cmdpath="$next" ;;
    esac
  done
  local subs="" opts="" valued=""
  case "$cmdpath" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ -n "$prev" && "$prev" == -* && "$valued" == *" $prev "* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  elif [[ -n "$subs" ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o default -F ${fn} ${name}
`;
}

export function zshScript(root: Command): string {
  const name = programName(root);
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const nodes = commandNodes(root);
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  const cases = nodes
    .map((n) => {
      const subs = n.subcommands.map((s) => q(`${esc(s.name)}:${esc(s.description)}`)).join(' ');
      const choiceCases = [...n.choices]
        .map(([flag, values]) => `        ${flag}) compadd -- ${values.map(q).join(' ')}; return ;;`)
        .join('\n');
      return [
        `    "${n.path}")`,
        `      subs=(${subs})`,
        `      opts=(${n.options.map(q).join(' ')})`,
        `      valued=(${n.valued.map(q).join(' ')})`,
        choiceCases ? `      case "$prev" in\n${choiceCases}\n      esac` : '',
        '      ;;',
      ]
        .filter(Boolean)
        .join('\n');
    })
    .join('\n');
  return `#compdef ${name}
# zsh completion for ${name}. Load it with:  source <(${name} completion zsh)
# or save it as _${name} in a directory on your $fpath.
${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" cmdpath="" w i next
  for (( i = 2; i < CURRENT; i++ )); do
    w="\${words[i]}"
    next="\${cmdpath:+$cmdpath }$w"
    case "$next" in
      ${pathCase(nodes) || '""'}) cmdpath="$next" ;;
    esac
  done
  local -a subs opts valued
  case "$cmdpath" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    compadd -- $opts
  elif [[ "$prev" == -* && \${valued[(Ie)$prev]} -gt 0 ]]; then
    _files
  elif (( \${#subs} )); then
    _describe 'command' subs
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${name}
fi
`;
}
