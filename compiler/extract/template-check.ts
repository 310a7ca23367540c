// Route templates checked straight from the source, for when TypeScript already failed: a
// `params.x` the template does not declare is a type error at the use, and the fault is often
// the template ('{customerId}' instead of ':customerId'), so the template is reported too.
// (When the policy type-checks, the model normalizer reports bad templates itself.)
import { Node, SyntaxKind, type SourceFile } from 'ts-morph';
import { error, type Diagnostic, type Loc } from '../diagnostics/index.ts';
import { parseRoute } from '../dsl/route.ts';
import { dslCallee } from './static-value.ts';

export function templateDiagnostics(files: readonly SourceFile[], locOf: (n: Node) => Loc): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const sf of files) {
    for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      if (dslCallee(call) !== 'resource') continue;
      const [tpl, options] = call.getArguments();
      if (!tpl || !(Node.isStringLiteral(tpl) || Node.isNoSubstitutionTemplateLiteral(tpl))) continue;
      const template = tpl.getLiteralText();
      const parsed = parseRoute(template);
      if ('error' in parsed) { out.push(error('leash_dsl_invalid', parsed.error, locOf(tpl))); continue; }
      const names = new Set(parsed.segments.flatMap((s) => (s.kind === 'param' ? [s.name] : [])));
      for (const use of options?.getDescendantsOfKind(SyntaxKind.PropertyAccessExpression) ?? []) {
        const base = use.getExpression();
        const isParams = (Node.isIdentifier(base) && base.getText() === 'params')
          || (Node.isPropertyAccessExpression(base) && base.getName() === 'params');
        if (!isParams || names.has(use.getName())) continue;
        const at = locOf(use.getNameNode());
        out.push(error('leash_dsl_invalid', `route '${template}' has no parameter '${use.getName()}' (read at ${at.file}:${at.line}:${at.col}); declare it in the template as :${use.getName()}`, locOf(tpl)));
      }
    }
  }
  return out;
}
