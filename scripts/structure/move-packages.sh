#!/usr/bin/env bash
# Gives operator-verify packages of its own (issue 25, item 1: no package split across two jars).
#
# operator-verify and consent-core both had classes in org.mydata.operator.{access,audit,consent,log,
# release,signing}. A package split across two jars cannot be described by module-info, and it lets any
# class of one jar reach the package-private members of the other. The verifier is the smaller, stable,
# standalone jar an auditor embeds, so it is the one that moves, under its own prefix:
#
#   org.mydata.operator.<p>.<Class>  (operator-verify, main and test)  ->  org.mydata.operator.verify.<p>.<Class>
#   for <p> in access audit consent log release signing
#
# consent-core keeps its package names. org.mydata.operator.verify (VerifyCommand) stays as it is.
# One exception: NaiveMerkle, the test fixture operator-verify's test-jar lends to consent-core's tests, goes to
#   org.mydata.operator.verify.testing.NaiveMerkle (operator-verify test)  ->  org.mydata.operator.verify.testing.NaiveMerkle
# so that the test-jar shares no package with the main jar either (a named module's package cannot be
# completed from the classpath).
#
# What the script does, from the repository root, over every module (main, test, benchmarks), docs and
# resources:
#   1. git mv operator-verify/src/{main,test}/java/org/mydata/operator/<p>/*.java to .../verify/<p>/
#      (NaiveMerkle to .../verify/testing/) and rewrites their package declaration;
#   2. rewrites every fully-qualified name org.mydata.operator.<p>.<MovedClass> (imports, static imports,
#      FQNs in code, docs, resources) and every path org/mydata/operator/<p>/<MovedClass>;
#   3. adds "import org.mydata.operator.verify.<p>.<MovedClass>;" to files that were in package
#      org.mydata.operator.<p> with a moved class and used it without an import (same package) but are no
#      longer in its package: consent-core's (and any module's) classes of that package, and the test fixtures.
# Only classes that live in operator-verify are rewritten; consent-core's classes of the same package
# names are untouched.
#
# Part 2 (issue 25, item 2: no package cycles) moves single classes, listed in CLASS_MOVES below, to the
# package where they break a cycle without a change of code; same steps: git mv, package line, qualified
# names and paths everywhere, and imports for the simple-name uses that were same-package uses (files left
# in the old package that use the moved class, and the moved class's own uses of its old neighbours).
#
# Running the script again is a no-op, and over new code (other branches merged first) it rewrites that
# code too.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

PKGS="access audit consent log release signing"
VERIFY=operator-verify/src
J=java/org/mydata/operator
# test fixtures that move to verify/testing instead of verify/<p>, as "<p>/<Class>"
FIXTURES="log/NaiveMerkle"

# 1. move
for fx in $FIXTURES; do
  f=$VERIFY/test/$J/$fx.java
  if [ -f "$f" ]; then
    mkdir -p "$VERIFY/test/$J/verify/testing"
    git mv "$f" "$VERIFY/test/$J/verify/testing/"
  fi
  perl -pi -e 's/^package org\.mydata\.operator\.[a-z.]+;/package org.mydata.operator.verify.testing;/' \
    "$VERIFY/test/$J/verify/testing/${fx#*/}.java"
done
for p in $PKGS; do
  for set in main test; do
    old=$VERIFY/$set/$J/$p
    new=$VERIFY/$set/$J/verify/$p
    if [ -d "$old" ]; then
      shopt -s nullglob
      files=("$old"/*.java)
      shopt -u nullglob
      if [ ${#files[@]} -gt 0 ]; then
        mkdir -p "$new"
        for f in "${files[@]}"; do
          git mv "$f" "$new/"
        done
      fi
      rmdir "$old" 2>/dev/null || true
    fi
    if [ -d "$new" ]; then
      perl -pi -e "s/^package org\.mydata\.operator\.$p;/package org.mydata.operator.verify.$p;/" "$new"/*.java
    fi
  done
done

# The moved classes as "<old p>.<Class>=<new package suffix>" lines, computed from where they are now, so
# that a re-run over new code sees them too.
MOVED=$(
  for p in $PKGS; do
    for set in main test; do
      d=$VERIFY/$set/$J/verify/$p
      [ -d "$d" ] || continue
      for f in "$d"/*.java; do
        b=$(basename "$f" .java)
        [ "$b" = package-info ] || echo "$p.$b=verify.$p"
      done
    done
  done
  for fx in $FIXTURES; do
    echo "${fx%%/*}.${fx#*/}=verify.testing"
  done
)
MOVED=$(echo "$MOVED" | sort -u)
export MOVED

# 2. qualified names and paths, in every tracked text file that could name a class
git ls-files -z -- '*.java' '*.md' '*.xml' '*.properties' '*.yml' '*.yaml' '*.json' '*.txt' '*.sh' \
    '*.sql' '*.html' '*.conf' '*.factories' '*.imports' '**/META-INF/services/*' \
  | xargs -0 grep -lZE 'org[./]mydata[./]operator[./](access|audit|consent|log|release|signing)[./][A-Z]' \
  | xargs -0 -r perl -pi -e '
      BEGIN { %m = map { split /=/ } split /\n/, $ENV{MOVED}; }
      s{\borg\.mydata\.operator\.([a-z]+)\.([A-Z]\w*)\b}{exists $m{"$1.$2"} ? "org.mydata.operator." . $m{"$1.$2"} . ".$2" : $&}ge;
      s{\borg/mydata/operator/([a-z]+)/([A-Z]\w*)\b}{my ($p, $c) = ($1, $2); exists $m{"$p.$c"} ? "org/mydata/operator/" . ($m{"$p.$c"} =~ tr{.}{/}r) . "/$c" : $&}ge;
    '

# 3. uses by simple name from the old shared package now need an import. A file "was in" package <p> when
#    it is in org.mydata.operator.<p> or org.mydata.operator.verify.<p>; the fixtures were in log.
git ls-files -z -- '*.java' \
  | xargs -0 grep -lZE '^package org\.mydata\.operator\.(verify\.)?(access|audit|consent|log|release|signing|testing);' \
  | xargs -0 -r perl -0pi -e '
      BEGIN { %m = map { split /=/ } split /\n/, $ENV{MOVED}; }
      my ($pkg) = /^package (org\.mydata\.operator\.[a-z.]+);/m or next;
      my $p;
      if ($pkg eq "org.mydata.operator.verify.testing") { $p = "log"; }
      elsif ($pkg =~ /^org\.mydata\.operator\.(?:verify\.)?(access|audit|consent|log|release|signing)$/) { $p = $1; }
      else { next; }
      # the code without comments and string literals, to look for uses of a simple name
      (my $code = $_) =~ s{/\*.*?\*/|//[^\n]*|""".*?"""|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\])+\x27}{ }gs;
      my %declared = map { $_ => 1 } ($code =~ /\b(?:class|interface|enum|record)\s+([A-Z]\w*)/g);
      my @add;
      for my $k (sort keys %m) {
        my ($mp, $c) = split /\./, $k;
        my $target = "org.mydata.operator.$m{$k}";
        next unless $mp eq $p && $target ne $pkg;
        next if $declared{$c};
        next if /^import\s+[\w.]+\.\Q$c\E;/m;       # already imported (the moved one or a namesake)
        next unless $code =~ /(?<![\w.])\Q$c\E\b/
            || /\{\@link(?:plain)?\s+\Q$c\E\b|\@see\s+\Q$c\E\b|\@throws\s+\Q$c\E\b/;
        push @add, "import $target.$c;\n";
      }
      my $imp = join "", @add;
      s/^(package \Q$pkg\E;\n)/$1\n$imp/m if @add;
    '
echo "move-packages: $(echo "$MOVED" | wc -l) classes now under org.mydata.operator.verify.*"

# ---------------------------------------------------------------------------------------------------------
# Part 2: single classes that move to break package cycles. "<old fully-qualified name> <new package>".
CLASS_MOVES="
org.mydata.operator.consent.ConsentAsFhir       org.mydata.operator.formats
org.mydata.operator.optout.OptOutAsFhir         org.mydata.operator.formats
org.mydata.operator.audit.AuditBundleAsFhir     org.mydata.operator.formats
org.mydata.operator.permit.DataRequests         org.mydata.operator.request
org.mydata.operator.permit.DataRequest          org.mydata.operator.request
org.mydata.operator.permit.NewDataRequest       org.mydata.operator.request
org.mydata.operator.permit.RequestStatus        org.mydata.operator.request
org.mydata.operator.api.rest.Problems           org.mydata.operator.api.errors
org.mydata.operator.api.rest.ErrorDocuments     org.mydata.operator.api.errors
org.mydata.operator.api.web.CitizenPageErrors   org.mydata.operator.api.errors
org.mydata.operator.api.rest.ProblemErrorController org.mydata.operator.api.web
"
CLASS_MOVES=$(echo "$CLASS_MOVES" | awk 'NF == 2 { print $1 "=" $2 "." substr($1, match($1, /[^.]+$/)) }')
export CLASS_MOVES

echo "$CLASS_MOVES" | while IFS== read -r old new; do
  oldpath=$(echo "$old" | tr . /).java
  newdir=$(dirname "$(echo "$new" | tr . /)")
  git ls-files -- "*/src/*/java/$oldpath" | while read -r f; do
    dest=${f%%/java/*}/java/$newdir
    mkdir -p "$dest"
    git mv "$f" "$dest/"
    perl -pi -e "s/^package \Q${old%.*}\E;/package ${new%.*};/" "$dest/$(basename "$f")"
  done
done

# qualified names and paths
git ls-files -z -- '*.java' '*.md' '*.xml' '*.properties' '*.yml' '*.yaml' '*.json' '*.txt' '*.sh' \
    '*.sql' '*.html' '*.conf' '*.factories' '*.imports' '**/META-INF/services/*' ':!scripts/structure/**' \
  | xargs -0 perl -pi -e '
      BEGIN { @m = map { [split /=/] } split /\n/, $ENV{CLASS_MOVES};
              @p = map { [map { s{\.}{/}gr } @$_] } @m; }
      next unless /org[.\/]mydata[.\/]operator[.\/]/;
      for my $mv (@m) { my ($o, $n) = @$mv; s/\b\Q$o\E\b/$n/g; }
      for my $mv (@p) { my ($o, $n) = @$mv; s/\b\Q$o\E\b/$n/g; }
    '

# imports for what were same-package uses. The classes of each old package, as they are now:
OLD_NEIGHBOURS=$(echo "$CLASS_MOVES" | while IFS== read -r old new; do
  pkg=${old%.*}
  git ls-files -- "*/src/*/java/$(echo "$pkg" | tr . /)/*.java" | while read -r f; do
    b=$(basename "$f" .java)
    [ "$b" = package-info ] || echo "$pkg.$b"
  done
done | sort -u)
export OLD_NEIGHBOURS
git ls-files -z -- '*.java' | xargs -0 perl -0pi -e '
    BEGIN { @m = map { [split /=/] } split /\n/, $ENV{CLASS_MOVES};
            @nb = split /\n/, $ENV{OLD_NEIGHBOURS}; }
    my ($pkg) = /^package ([\w.]+);/m or next;
    (my $code = $_) =~ s{/\*.*?\*/|//[^\n]*|""".*?"""|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\])+\x27}{ }gs;
    my %declared = map { $_ => 1 } ($code =~ /\b(?:class|interface|enum|record)\s+([A-Z]\w*)/g);
    my $uses = sub { my $c = shift; $code =~ /(?<![\w.])\Q$c\E\b/
        || /\{\@link(?:plain)?\s+\Q$c\E\b|\@see\s+\Q$c\E\b|\@throws\s+\Q$c\E\b/ };
    my $imported = sub { my $c = shift; /^import\s+[\w.]+\.\Q$c\E;/m };
    my %add;
    for my $mv (@m) {
        my ($o, $n) = @$mv;
        my ($op, $c) = $o =~ /^(.*)\.(\w+)$/;
        my ($np) = $n =~ /^(.*)\.\w+$/;
        # a file left in the old package that used the moved class
        if ($pkg eq $op && !$declared{$c} && !$imported->($c) && $uses->($c)) { $add{"$n"} = 1; }
        # the moved class, that used its old neighbours
        if ($pkg eq $np && $declared{$c}) {
            for my $x (@nb) {
                my ($xp, $xc) = $x =~ /^(.*)\.(\w+)$/;
                next unless $xp eq $op;
                next if $declared{$xc} || $imported->($xc);
                $add{$x} = 1 if $uses->($xc);
            }
            # and its old neighbours that moved elsewhere
            for my $mv2 (@m) {
                my ($o2, $n2) = @$mv2;
                my ($op2, $c2) = $o2 =~ /^(.*)\.(\w+)$/;
                my ($np2) = $n2 =~ /^(.*)\.\w+$/;
                next unless $op2 eq $op && $np2 ne $pkg;
                next if $declared{$c2} || $imported->($c2);
                $add{$n2} = 1 if $uses->($c2);
            }
        }
    }
    if (%add) {
        my $imp = join "", map { "import $_;\n" } sort keys %add;
        s/^(package \Q$pkg\E;\n)/$1\n$imp/m;
    }
  '
echo "move-packages: $(echo "$CLASS_MOVES" | wc -l) single classes moved to break package cycles"
