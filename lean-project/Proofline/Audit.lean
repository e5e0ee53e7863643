/-
proofline-audit: the trusted, out-of-band auditor of the checker's confirmation layer (L3).

  proofline-audit --candidate Candidate --reference Reference --target Name [--search-path DIR]...

Reads the compiled reference module (the trusted statement, elaborated with the same header) from
its own .olean without importing anything, imports the compiled candidate module, and prints one
JSON line:

  {"target", "found", "kind", "type_matches", "constants_mismatched", "axioms",
   "imports_match", "extra_imports", "missing_imports"}

* `target`: the target as parsed, echoed back escaped (`«1st_thm»`). `--target` is a Lean name
  literal: components that are not identifiers are escaped with `«»`, exactly as the checker writes
  it into Lean.
* `imports_match`: the candidate module imports directly exactly the modules the reference does
  (`extra_imports`: the candidate's others, `missing_imports`: the reference's it lacks). When they
  differ the candidate is not imported at all (its imports may not even exist on our search path),
  and the other fields say nothing was found.
* `found`/`kind`: whether the candidate declares the target, and as what (a kernel-rejected theorem
  that Lean re-added as an axiom shows up here as "axiom").
* `type_matches`: the candidate's type is the same `Expr` as the reference's, with the same universe
  parameters. `Expr`s are compared, never pretty-printed text.
* `constants_mismatched`: every constant the reference type depends on must be declared identically
  in the candidate environment. Constants the reference module declares itself (a statement's own
  preamble) are compared field by field and followed through types, definition values, inductives,
  constructors and recursors; constants it imports are the very declarations the candidate
  environment imported from the same .olean files (the imports match), so they need only exist.
* `axioms`: the axioms the candidate's target depends on, found by walking the declarations
  themselves. Nothing stored in an environment extension is consulted: the candidate produced
  those, so they are not evidence.

Memory: only ONE environment is built — the candidate's, which holds the header once. The
reference contributes its own module's data (a few constants), never a second copy of the header
(with Mathlib, importing both modules would hold every imported .olean twice: the second mapping
of a file falls back to reading it into memory). The checker also runs this under the same memory
limit as the candidate's compile, whose import of the same header it just passed.

Nothing of the candidate runs here: the module is imported without loading environment extensions
(`loadExts := false`) and without enabling initializers, so no `initialize`/`[init]` code runs.

Exit 0 after printing the JSON; 2 on a usage error; 1 when reading or importing a module fails or
the reference does not declare the target (each with a message on stderr).

This file is compiled and exercised only where a real toolchain exists (`npm run setup:lean`,
the real-Lean suite `npm run test:lean`); see lean-project/README.md.
-/
import Lean

open Lean

namespace Proofline.Audit

/-- How the report names each kind of declaration. -/
def kindOf : ConstantInfo → String
  | .axiomInfo _ => "axiom"
  | .defnInfo _ => "def"
  | .thmInfo _ => "theorem"
  | .opaqueInfo _ => "opaque"
  | .quotInfo _ => "quot"
  | .inductInfo _ => "inductive"
  | .ctorInfo _ => "constructor"
  | .recInfo _ => "recursor"

def quotKindIndex : QuotKind → Nat
  | .type => 0
  | .ctor => 1
  | .lift => 2
  | .ind => 3

/-- Both environments declare the same thing under this name: same kind, universe parameters,
type, value and kernel-relevant fields. Spelled out per kind so that it relies only on the `BEq`
instances Lean derives for the `*Val` structures (not on one for `ConstantInfo` itself). -/
def sameConstant : ConstantInfo → ConstantInfo → Bool
  | .axiomInfo a, .axiomInfo b => a == b
  | .defnInfo a, .defnInfo b => a == b
  | .thmInfo a, .thmInfo b => a == b
  | .opaqueInfo a, .opaqueInfo b => a == b
  | .quotInfo a, .quotInfo b =>
    a.toConstantVal == b.toConstantVal && quotKindIndex a.kind == quotKindIndex b.kind
  | .inductInfo a, .inductInfo b =>
    a.toConstantVal == b.toConstantVal && a.numParams == b.numParams
      && a.numIndices == b.numIndices && a.all == b.all && a.ctors == b.ctors
      && a.isRec == b.isRec && a.isUnsafe == b.isUnsafe && a.isReflexive == b.isReflexive
  | .ctorInfo a, .ctorInfo b => a == b
  | .recInfo a, .recInfo b => a == b
  | _, _ => false

/-- The constants a declaration refers to. Theorem proofs are followed only when `withProofs`:
a proof cannot change what a statement means, but it can depend on axioms. -/
def referencedNames (info : ConstantInfo) (withProofs : Bool) : Array Name :=
  let inType := info.type.getUsedConstants
  match info with
  | .defnInfo v => inType ++ v.value.getUsedConstants
  | .opaqueInfo v => inType ++ v.value.getUsedConstants
  | .thmInfo v => if withProofs then inType ++ v.value.getUsedConstants else inType
  | .inductInfo v => inType ++ v.ctors.toArray ++ v.all.toArray
  | .ctorInfo v => inType.push v.induct
  | .recInfo v => v.rules.foldl (fun acc rule => acc ++ rule.rhs.getUsedConstants) (inType ++ v.all.toArray)
  | .axiomInfo _ | .quotInfo _ => inType

/-- The reference module as its own .olean holds it: its direct imports and the constants it
declares. Nothing is imported to get them. -/
structure ReferenceModule where
  imports : Array Name
  constants : Std.HashMap Name ConstantInfo

/-- The .olean of `module` on the search path, read on its own (its imports are not loaded). -/
def readOwnModuleData (module : Name) : IO ModuleData := do
  let file ← findOLean module
  unless (← file.pathExists) do
    throw <| IO.userError s!"object file '{file}' of module {module} does not exist"
  -- The region stays mapped for the life of this short process: the constants point into it.
  let (data, _region) ← readModuleData file
  return data

def readReference (module : Name) : IO ReferenceModule := do
  let data ← readOwnModuleData module
  let mut constants : Std.HashMap Name ConstantInfo := {}
  for info in data.constants do
    constants := constants.insert info.name info
  return { imports := data.imports.map (·.module), constants }

/-- The names reachable from `roots` through the reference's own declarations that the candidate
environment does not declare identically (or does not declare at all). Imported names are the same
declarations in both (same imports, same .olean files), so for them only existence is checked. -/
def mismatchedConstants (reference : ReferenceModule) (candidateEnv : Environment) (roots : Array Name) : Array Name := Id.run do
  let mut todo := roots
  let mut seen : NameSet := {}
  let mut mismatched : Array Name := #[]
  while !todo.isEmpty do
    let name := todo.back!
    todo := todo.pop
    if seen.contains name then continue
    seen := seen.insert name
    match reference.constants[name]? with
    | some ownInfo =>
      let same := match candidateEnv.find? name with
        | some candidate => sameConstant ownInfo candidate
        | none => false
      unless same do mismatched := mismatched.push name
      todo := todo ++ referencedNames ownInfo (withProofs := false)
    | none =>
      if (candidateEnv.find? name).isNone then mismatched := mismatched.push name
  return mismatched

/-- The axioms `target` depends on in `env`, by walking types, values and proofs. -/
def axiomsOf (env : Environment) (target : Name) : Array Name := Id.run do
  let mut todo := #[target]
  let mut seen : NameSet := {}
  let mut collected : Array Name := #[]
  while !todo.isEmpty do
    let name := todo.back!
    todo := todo.pop
    if seen.contains name then continue
    seen := seen.insert name
    match env.find? name with
    | some (.axiomInfo _) => collected := collected.push name
    | some info => todo := todo ++ referencedNames info (withProofs := true)
    | none => pure ()
  return collected

def sortedStrings (names : Array Name) : Array String :=
  (names.map toString).qsort (· < ·)

/-- The import fields of the report: the candidate's direct imports against the reference's. -/
def importFields (candidateImports referenceImports : Array Name) : Bool × List (String × Json) :=
  let extra := candidateImports.filter (fun name => !referenceImports.contains name)
  let missing := referenceImports.filter (fun name => !candidateImports.contains name)
  (extra.isEmpty && missing.isEmpty,
    [("imports_match", toJson (extra.isEmpty && missing.isEmpty)),
     ("extra_imports", toJson (sortedStrings extra)),
     ("missing_imports", toJson (sortedStrings missing))])

/-- The report when the imports differ: the candidate was not imported, so nothing was found. -/
def importMismatchReport (target : Name) (imports : List (String × Json)) : Json :=
  Json.mkObj ([
    ("target", toJson target.toString),
    ("found", toJson false),
    ("kind", Json.null),
    ("type_matches", toJson false),
    ("constants_mismatched", toJson (#[] : Array String)),
    ("axioms", toJson (#[] : Array String))] ++ imports)

/-- The report for `target`, or an error when the trusted reference does not declare it. -/
def auditTarget (candidateEnv : Environment) (reference : ReferenceModule) (imports : List (String × Json)) (target : Name) : Except String Json := do
  let some referenceInfo := reference.constants[target]?
    | throw s!"the reference module does not declare `{target}`: the trusted statement did not compile as expected"
  let candidate? := candidateEnv.find? target
  let typeMatches := match candidate? with
    | some candidate => candidate.levelParams == referenceInfo.levelParams && candidate.type == referenceInfo.type
    | none => false
  let mismatched := mismatchedConstants reference candidateEnv referenceInfo.type.getUsedConstants
  let axiomNames := if candidate?.isSome then axiomsOf candidateEnv target else #[]
  return Json.mkObj ([
    ("target", toJson target.toString),
    ("found", toJson candidate?.isSome),
    ("kind", match candidate? with
      | some candidate => toJson (kindOf candidate)
      | none => Json.null),
    ("type_matches", toJson typeMatches),
    ("constants_mismatched", toJson (sortedStrings mismatched)),
    ("axioms", toJson (sortedStrings axiomNames))] ++ imports)

structure AuditArgs where
  candidate : Name := .anonymous
  reference : Name := .anonymous
  target : Name := .anonymous
  searchPath : Array System.FilePath := #[]

def parseArgs (acc : AuditArgs) : List String → Except String AuditArgs
  | [] => .ok acc
  | "--candidate" :: value :: rest => parseArgs { acc with candidate := value.toName } rest
  | "--reference" :: value :: rest => parseArgs { acc with reference := value.toName } rest
  | "--target" :: value :: rest =>
    -- A name literal, so `«1st_thm»` and `Foo.«bar baz»` keep their escaped components.
    match Syntax.decodeNameLit ("`" ++ value) with
    | some name => parseArgs { acc with target := name } rest
    | none => .error s!"--target expects a Lean name (escape components with «»), got `{value}`"
  | "--search-path" :: value :: rest =>
    parseArgs { acc with searchPath := acc.searchPath.push (System.FilePath.mk value) } rest
  | arg :: _ => .error s!"unexpected or incomplete argument `{arg}`"

def usageText : String :=
  "usage: proofline-audit --candidate MODULE --reference MODULE --target NAME [--search-path DIR]..."

/-- The toolchain's own library, or nothing when the sysroot cannot be found (then `Init` must
come from LEAN_PATH). The sysroot is LEAN_SYSROOT, else `lean --print-prefix`. -/
def builtinSearchPath : IO System.SearchPath := do
  try
    getBuiltinSearchPath (← findSysroot)
  catch _ =>
    pure []

/-- Trusted locations first (the toolchain's library, then LEAN_PATH) and the `--search-path`
directories last, even when LEAN_PATH lists them too: the first match on the search path wins, so
a file planted in a directory the candidate could write to never shadows `Init` or a header module. -/
def initAuditSearchPath (extra : Array System.FilePath) : IO Unit := do
  let builtin ← builtinSearchPath
  let fromEnv := (← addSearchPathFromEnv []).filter (fun dir => !extra.contains dir)
  searchPathRef.set (builtin ++ fromEnv ++ extra.toList)

end Proofline.Audit

open Proofline.Audit in
def main (argv : List String) : IO UInt32 := do
  match parseArgs {} argv with
  | .error message =>
    IO.eprintln s!"proofline-audit: {message}\n{usageText}"
    return 2
  | .ok args =>
    if args.candidate.isAnonymous || args.reference.isAnonymous || args.target.isAnonymous then
      IO.eprintln s!"proofline-audit: --candidate, --reference and --target are required\n{usageText}"
      return 2
    try
      initAuditSearchPath args.searchPath
      let reference ← readReference args.reference
      let candidateImports := (← readOwnModuleData args.candidate).imports.map (·.module)
      let (importsMatch, imports) := importFields candidateImports reference.imports
      unless importsMatch do
        IO.println (importMismatchReport args.target imports).compress
        return 0
      -- The only environment built here; extensions are not loaded and initializers stay disabled.
      let candidateEnv ← importModules #[{ module := args.candidate }] {} (loadExts := false)
      match auditTarget candidateEnv reference imports args.target with
      | .ok json =>
        IO.println json.compress
        return 0
      | .error message =>
        IO.eprintln s!"proofline-audit: {message}"
        return 1
    catch e =>
      IO.eprintln s!"proofline-audit: import failed: {e}"
      return 1
