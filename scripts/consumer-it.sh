#!/usr/bin/env bash
# Builds the projects in src-it/ (a user's projects outside the reactor: the README's Maven block and Java example)
# against this build's artifacts. Run after the reactor's verify: it installs memorag-all and the modules it needs
# (already compiled and tested, so this only packages them) into target/ci-repo, a local repository of its own that
# reads everything else from ~/.m2/repository (Maven 3.9's chained local repository), so ~/.m2 keeps its snapshots.
#   src-it/consumer              verify: runs the README's example offline and asserts the evidence it prints
#   src-it/consumer-without-bom  validate: without the BOM, Jackson still resolves to one version
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

repo_args=(-Dmaven.repo.local="$PWD/target/ci-repo" -Dmaven.repo.local.tail="$HOME/.m2/repository")
./mvnw -B -q install -DskipTests -pl memorag-all -am "${repo_args[@]}" </dev/null
./mvnw -B -f src-it/consumer/pom.xml verify "${repo_args[@]}" </dev/null
./mvnw -B -f src-it/consumer-without-bom/pom.xml validate "${repo_args[@]}" </dev/null
