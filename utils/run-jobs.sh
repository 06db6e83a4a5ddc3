#!/usr/bin/env bash
# run-jobs.sh — run N copies of one command, on this machine or as one Slurm job array
# (Kaldi's run.pl / slurm.pl convention), so that the same recipe runs on a laptop or a cluster.
# Not for: splitting data (utils/split-data.sh does that) or starting a Slurm cluster
# (utils/slurm/local-cluster.sh starts a one-node test cluster).
#
# usage: utils/run-jobs.sh [options] [JOB=A:B] LOGFILE CMD...
#
# Every occurrence of the variable name (JOB in JOB=1:4) in LOGFILE and in CMD is replaced by
# the job index, even inside words (Kaldi's rule: $SLURM_ARRAY_JOB_ID would change too; use
# another name such as N=1:4 then). A single CMD argument is a shell command line
# ('wren x JOB.scp | gzip > JOB.gz'); with several, arguments without spaces are passed to the
# shell as they are, so that quoted "|" and ">" act as pipes and redirections (Kaldi style:
# wren x JOB.scp \| gzip \> JOB.gz), and arguments with spaces are quoted. Each job runs
# `bash -o pipefail -c CMD` with stdin from /dev/null and stdout+stderr appended to its LOGFILE,
# which starts with the command, host and start time and ends with "# Ended (code N) at DATE".
#
# The slurm backend submits one job array (sbatch --array) and polls squeue until it is done;
# the task script, the tasks' exit statuses and Slurm's own output files go to q/ next to the
# logs, so the working directory must be on a filesystem shared with the compute nodes (a
# missing status is waited for up to $RUN_JOBS_STATUS_WAIT s, default 10, for NFS).
# Cluster set-up (options file, partitions): utils/slurm/README.md.
#
# options:
#   --backend local|slurm  where to run (default: $WREN_BACKEND, else local)
#   --nj N                 at most N jobs at once (local: default = number of CPUs;
#                          slurm: array throttle "%N", default = no limit). Alias: --max-jobs-run
#   --max-retries R        run a failed job again, up to R more times (default 0); the logs of
#                          failed attempts are kept as LOGFILE.attemptK
#   --slurm-opts "OPTS"    extra sbatch options, e.g. "--partition=cpu --time=1:00:00"
#                          (split at spaces; ignored by the local backend)
#   --config FILE          slurm: options file (default: conf/slurm-jobs.conf if it exists);
#                          see utils/slurm/slurm-jobs.conf.example and utils/slurm/README.md
#   --mem M, --num-threads N, --gpu N, --time T
#                          resources, mapped to sbatch options by the config file (built-in
#                          defaults: --mem-per-cpu, --cpus-per-task, --gres=gpu:N, --time);
#                          the local backend ignores them
#   --after ID[:ID...]     slurm: start only after these Slurm jobs have succeeded
#   --no-wait              slurm: submit, print the Slurm job id on stdout and return at once
#                          (no retries; chain the next step with --after ID)
#   --poll S               slurm: seconds between status checks (default 2)
#   -h, --help             this text
#
# exit status: 0 if every job succeeded; 1 if any failed (the message names them and their
# logs) or on bad usage; 2 if the jobs could not be submitted.
set -u
set -o pipefail

prog=run-jobs.sh
die_usage() { echo "$prog: $*" >&2; exit 1; }
die_internal() { echo "$prog: $*" >&2; exit 2; }
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

backend=${WREN_BACKEND:-local}
nj=""
max_retries=0
slurm_opts=""
config=""
after=""
no_wait=0
poll=2
declare -A resources=()      # generic resource options: name -> value (mem, num_threads, gpu, time)

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --backend|--nj|--max-jobs-run|--max-retries|--slurm-opts|--config|--after|--poll|--mem|--num-threads|--gpu|--time)
      [ $# -ge 2 ] || die_usage "option $1 needs a value"
      case "$1" in
        --backend) backend=$2 ;;
        --nj|--max-jobs-run) nj=$2 ;;
        --max-retries) max_retries=$2 ;;
        --slurm-opts) slurm_opts="$slurm_opts $2" ;;
        --config) config=$2 ;;
        --after) after=$2 ;;
        --poll) poll=$2 ;;
        *) name=${1#--}; resources[${name//-/_}]=$2 ;;
      esac
      shift 2 ;;
    --*=*) opt=${1%%=*}; val=${1#*=}; shift; set -- "$opt" "$val" "$@" ;;
    --no-wait) no_wait=1; shift ;;
    --) shift; break ;;
    -*) die_usage "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done

case "$backend" in local|slurm) ;; *) die_usage "--backend must be local or slurm, not '$backend'" ;; esac
[ -z "$nj" ] || { is_uint "$nj" && [ "$nj" -ge 1 ]; } || die_usage "--nj must be a positive integer, not '$nj'"
is_uint "$max_retries" || die_usage "--max-retries must be a non-negative integer, not '$max_retries'"
[[ $poll =~ ^[0-9]+([.][0-9]+)?$ ]] || die_usage "--poll must be a number of seconds, not '$poll'"
[ -z "$after" ] || [[ $after =~ ^[0-9]+(_[0-9]+)?(:[0-9]+(_[0-9]+)?)*$ ]] || die_usage "--after needs Slurm job ids separated by ':', not '$after'"

# The job range: JOB=A:B (or JOB=A), any variable name made of letters, digits and '_'.
var=JOB; first=1; last=1; have_range=0
if [ $# -gt 0 ] && [[ $1 =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)(:([0-9]+))?$ ]]; then
  var=${BASH_REMATCH[1]}; first=${BASH_REMATCH[2]}; last=${BASH_REMATCH[4]:-$first}; have_range=1
  first=$((10#$first)); last=$((10#$last))
  [ "$first" -le "$last" ] || die_usage "empty job range '$1' (first index is larger than last)"
  shift
elif [ $# -gt 0 ] && [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*=.*: ]]; then
  die_usage "bad job range '$1' (expected e.g. JOB=1:4)"
fi
[ $# -ge 2 ] || die_usage "expected [JOB=A:B] LOGFILE CMD... (see --help)"
log_template=$1; shift
[[ $log_template != -* ]] || die_usage "unknown option '$log_template' (options go before the job range)"
njobs=$((last - first + 1))
if [ $have_range = 1 ] && [ $njobs -gt 1 ] && [[ $log_template != *"$var"* ]]; then
  die_usage "log file '$log_template' must contain $var when running $njobs jobs"
fi

# The command line: one argument is a shell command as it is; several are joined with spaces,
# arguments without whitespace verbatim, others single-quoted.
cmd_template=""
[ $# -eq 1 ] && cmd_template=$1 && shift
for a in "$@"; do
  if [[ $a =~ ^[^[:space:]]+$ ]]; then cmd_template+="$a "
  else cmd_template+="'${a//\'/\'\\\'\'}' "
  fi
done
cmd_template=${cmd_template% }

# ----- the task script: runs one job; the same file for both backends --------------------
# usage: TASK_SCRIPT [INDEX] (INDEX defaults to $SLURM_ARRAY_TASK_ID); writes STATUS_DIR/INDEX.
write_task_script() {  # $1 = path, $2 = status dir, $3 = srun prefix ('' for none)
  {
    echo '#!/usr/bin/env bash'
    echo "# Generated by utils/run-jobs.sh on $(date): runs one job of the array; do not edit."
    printf 'cmd_template=%q\n' "$cmd_template"
    printf 'log_template=%q\n' "$log_template"
    printf 'status_dir=%q\n' "$2"
    printf 'srun_prefix=%q\n' "$3"
    printf 'var=%q\n' "$var"
    cat <<'EOF'
i=${1:-${SLURM_ARRAY_TASK_ID:?no job index}}
cmd=${cmd_template//$var/$i}
log=${log_template//$var/$i}
mkdir -p "$(dirname "$log")" || exit 1
start=$(date +%s)
where=$(hostname)
[ -n "${SLURM_ARRAY_JOB_ID:-}" ] && where="$where, Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
{ printf '# %s\n' "$cmd"; printf '# Started at %s on %s\n#\n' "$(date)" "$where"; } > "$log" || exit 1
exec 2>> "$log"      # this shell's own messages too (e.g. "Aborted" when the command crashes)
if [ -n "$srun_prefix" ]; then
  $srun_prefix bash -o pipefail -c "$cmd" < /dev/null >> "$log" 2>&1
else
  bash -o pipefail -c "$cmd" < /dev/null >> "$log" 2>&1
fi
rc=$?
end=$(date +%s)
printf '#\n# Accounting: time=%d s\n# Ended (code %d) at %s\n' $((end - start)) "$rc" "$(date)" >> "$log"
echo "$rc" > "$status_dir/$i.tmp" && mv -f "$status_dir/$i.tmp" "$status_dir/$i"
exit "$rc"
EOF
  } > "$1" && chmod +x "$1"
}

log_of() { echo "${log_template//$var/$1}"; }

# Keep the log of a failed attempt as LOG.attemptK before running the job again.
keep_failed_log() {  # $1 = index, $2 = attempt number
  local log; log=$(log_of "$1")
  [ -f "$log" ] && mv -f "$log" "$log.attempt$2"
}

# Final report: the failed jobs ("index:reason" items of the array failed), then the status.
failed=()
report() {  # $1 = number of jobs
  [ ${#failed[@]} -eq 0 ] && return 0
  local n=0 msg="" item idx code
  for item in $(printf '%s\n' "${failed[@]}" | sort -t: -k1,1n | tr ' ' '\001'); do
    item=${item//$'\001'/ }
    n=$((n + 1)); idx=${item%%:*}; code=${item#*:}
    if [[ $code =~ ^exit\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -gt 128 ] && [ "${BASH_REMATCH[1]}" -lt 160 ]; then
      code+=" = SIG$(kill -l $((BASH_REMATCH[1] - 128)) 2>/dev/null)"
    fi
    if [ $n -le 8 ]; then msg+="${msg:+, }$var=$idx ($code, $(log_of "$idx"))"; fi
  done
  [ $n -gt 8 ] && msg+=", ..."
  echo "$prog: $n of $1 jobs failed: $msg" >&2
  return 1
}

# ----- local backend -----------------------------------------------------------------------
run_local() {
  local tmp; tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-jobs.XXXXXX") || die_internal "cannot create a temporary directory"
  local script=$tmp/task.sh
  mkdir -p "$tmp/status"
  write_task_script "$script" "$tmp/status" "" || die_internal "cannot write $script"
  local slots=${nj:-$(nproc 2>/dev/null || echo 1)}
  local queue=() i
  for ((i = first; i <= last; i++)); do queue+=("$i"); done
  declare -A pid_of=() attempt=()
  # Each job runs in its own session, so that stopping run-jobs.sh stops whole pipelines.
  local stop='for p in "${pid_of[@]}"; do kill -TERM -- -"$p" 2>/dev/null; done; rm -rf "$tmp"'
  trap "$stop; exit 130" INT
  trap "$stop; exit 143" TERM
  while [ ${#queue[@]} -gt 0 ] || [ ${#pid_of[@]} -gt 0 ]; do
    while [ ${#queue[@]} -gt 0 ] && [ ${#pid_of[@]} -lt "$slots" ]; do
      i=${queue[0]}; queue=("${queue[@]:1}")
      attempt[$i]=$(( ${attempt[$i]:-0} + 1 ))
      rm -f "$tmp/status/$i"
      setsid bash "$script" "$i" &
      pid_of[$i]=$!
    done
    wait -n 2>/dev/null || true
    for i in "${!pid_of[@]}"; do
      kill -0 "${pid_of[$i]}" 2>/dev/null && continue
      wait "${pid_of[$i]}" 2>/dev/null
      unset "pid_of[$i]"
      local rc="no exit status: killed?"
      [ -f "$tmp/status/$i" ] && rc="exit $(cat "$tmp/status/$i")"
      [ "$rc" = "exit 0" ] && continue
      if [ "${attempt[$i]}" -le "$max_retries" ]; then
        echo "$prog: $var=$i failed ($rc), retrying (attempt $(( attempt[$i] + 1 )) of $((max_retries + 1)))" >&2
        keep_failed_log "$i" "${attempt[$i]}"
        queue+=("$i")
      else
        failed+=("$i:$rc")
      fi
    done
  done
  trap - INT TERM
  rm -rf "$tmp"
  report "$njobs"
}

# ----- slurm backend ------------------------------------------------------------------------
# Options file, Kaldi slurm.pl style (see utils/slurm/slurm-jobs.conf.example):
#   sbatch OPTS...          options for every submission
#   srun OPTS...            run each job's command as a job step: srun OPTS bash -c CMD
#   option NAME=* OPTS      options for --NAME VALUE; $0 in OPTS is replaced by VALUE
#   option NAME=VALUE OPTS  options for exactly --NAME VALUE (takes precedence over NAME=*)
#   default NAME=VALUE      value used when --NAME is not given
declare -A opt_map=() opt_default=()
sbatch_conf=() srun_conf=()
load_config() {
  opt_map[mem=*]='--mem-per-cpu=$0'
  opt_map[num_threads=*]='--cpus-per-task=$0'
  opt_map[gpu=*]='--gres=gpu:$0'
  opt_map[gpu=0]=''
  opt_map[time=*]='--time=$0'
  [ -n "$config" ] || { [ -f conf/slurm-jobs.conf ] && config=conf/slurm-jobs.conf; } || return 0
  [ -f "$config" ] || die_usage "$config: no such config file"
  local line n=0 key rest words
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%%#*}
    read -ra words <<< "$line"
    [ ${#words[@]} -eq 0 ] && continue
    key=${words[0]}
    case "$key" in
      sbatch) sbatch_conf+=("${words[@]:1}") ;;
      srun) srun_conf+=("${words[@]:1}") ;;
      option|default)
        [ ${#words[@]} -ge 2 ] && [[ ${words[1]} =~ ^[a-z_]+=.+$ ]] || die_usage "$config:$n: expected '$key NAME=VALUE ...'"
        rest="${words[*]:2}"
        if [ "$key" = option ]; then opt_map[${words[1]}]=$rest
        else opt_default[${words[1]%%=*}]=${words[1]#*=}
        fi ;;
      *) die_usage "$config:$n: unknown keyword '$key' (expected sbatch, srun, option or default)" ;;
    esac
  done < "$config"
}

# The sbatch options that the generic resource options (--mem, --gpu, ...) stand for, appended
# to the array extra.
resource_opts() {
  local name value mapped words
  declare -A want=()
  for name in "${!opt_default[@]}"; do want[$name]=${opt_default[$name]}; done
  for name in "${!resources[@]}"; do want[$name]=${resources[$name]}; done
  for name in "${!want[@]}"; do
    value=${want[$name]}
    if [ -n "${opt_map[$name=$value]+x}" ]; then mapped=${opt_map[$name=$value]}
    elif [ -n "${opt_map[$name=*]+x}" ]; then mapped=${opt_map[$name=*]//\$0/$value}
    else die_usage "no Slurm mapping for --${name//_/-} $value (add 'option $name=* ...' to the config file)"
    fi
    read -ra words <<< "$mapped"; extra+=("${words[@]}")
  done
}

run_slurm() {
  command -v sbatch >/dev/null && command -v squeue >/dev/null ||
    die_usage "sbatch/squeue not found: the slurm backend needs the Slurm client commands in PATH"
  load_config
  local extra=() words
  resource_opts
  read -ra words <<< "$slurm_opts"; extra+=("${words[@]}")
  # Scripts, statuses and Slurm's own output go next to the logs (on the shared filesystem).
  local first_log; first_log=$(log_of "$first")
  local name; name=$(basename "$log_template"); name=${name%.log}; name=${name//$var/}; name=${name//../.}
  name=${name%.}; name=${name#.}; [ -n "$name" ] || name=job
  local qdir; qdir=$(dirname "$first_log")/q
  mkdir -p "$qdir/$name.status" || die_internal "cannot create $qdir"
  local script=$qdir/$name.sh
  write_task_script "$script" "$(cd "$qdir/$name.status" && pwd)" "${srun_conf[*]:+srun ${srun_conf[*]}}" ||
    die_internal "cannot write $script"
  local todo=() i attempt=1
  for ((i = first; i <= last; i++)); do todo+=("$i"); done
  local jobid=""
  trap '[ -n "$jobid" ] && timeout 30 scancel "$jobid" 2>/dev/null; exit 130' INT
  trap '[ -n "$jobid" ] && timeout 30 scancel "$jobid" 2>/dev/null; exit 143' TERM
  while :; do
    for i in "${todo[@]}"; do rm -f "$qdir/$name.status/$i"; done
    local spec; spec=$(array_spec "${todo[@]}")
    [ -n "$nj" ] && spec+="%$nj"
    local sub=(sbatch --parsable --array="$spec" --job-name="wren-$name" --chdir="$PWD"
               --output="$qdir/$name.%A_%a.out" "${sbatch_conf[@]}" "${extra[@]}")
    [ -n "$after" ] && sub+=(--dependency="afterok:$after" --kill-on-invalid-dep=yes)
    local out
    out=$(timeout 300 "${sub[@]}" "$script" 2>&1) || die_internal "sbatch failed: $(echo "$out" | tail -n 1)"
    jobid=${out%%;*}; jobid=$(echo "$jobid" | tail -n 1)
    [[ $jobid =~ ^[0-9]+$ ]] || die_internal "sbatch printed no job id: $(echo "$out" | tail -n 1)"
    echo "$prog: submitted Slurm job array $jobid ($var=$spec) for $(log_of "$var")" >&2
    if [ $no_wait = 1 ]; then echo "$jobid"; trap - INT TERM; return 0; fi
    wait_array "$jobid" "$qdir/$name.status" "${todo[@]}"
    local again=() rc
    for i in "${todo[@]}"; do
      local slurm_out=$qdir/$name.${jobid}_$i.out why
      if [ -f "$qdir/$name.status/$i" ]; then rc="exit $(cat "$qdir/$name.status/$i")"
      else rc="no exit status"
      fi
      [ "$rc" = "exit 0" ] && continue
      why=$(slurm_reason "$slurm_out")
      [ -n "$why" ] && rc+=", Slurm: $why"
      [ -n "$why" ] || [ "$rc" = "no exit status" ] && rc+=", see $slurm_out"
      if [ $attempt -le "$max_retries" ]; then
        echo "$prog: $var=$i failed ($rc), retrying (attempt $((attempt + 1)) of $((max_retries + 1)))" >&2
        keep_failed_log "$i" "$attempt"
        again+=("$i")
      else
        failed+=("$i:$rc")
      fi
    done
    [ ${#again[@]} -eq 0 ] && break
    todo=("${again[@]}"); attempt=$((attempt + 1)); after=""
  done
  trap - INT TERM
  report "$njobs"
}

# Why Slurm stopped a task, from its output file: "CANCELLED", "CANCELLED DUE TO TIME LIMIT",
# "out of memory", ... or nothing.
slurm_reason() {  # $1 = Slurm output file of the task
  [ -f "$1" ] || { echo "never started (cancelled while pending, or a dependency failed)"; return 0; }
  if grep -qiE 'oom[-_ ]kill|out of memory|exceeded .*memory limit' "$1"; then echo "out of memory"; return 0; fi
  sed -n 's/.*\*\*\* .* \(CANCELLED\) AT [^ ]*\( DUE TO [A-Z ]*[A-Z]\)\{0,1\}.*/\1\2/p' "$1" | tail -n 1
}

# "1-8" for a contiguous list, "3" for one index, else "2,5,7".
array_spec() {
  local n=$# lo=$1 hi=${!#}
  if [ $n -eq 1 ]; then echo "$lo"
  elif [ $((hi - lo + 1)) -eq $n ]; then echo "$lo-$hi"; else local IFS=,; echo "$*"; fi
}

# Wait until every task has written its status, or Slurm no longer knows any task of the array
# (then give a shared filesystem a few seconds to show the last status files).
wait_array() {  # $1 = job id, $2 = status dir, $3... = indices
  local jobid=$1 sdir=$2; shift 2
  local i missing out grace=${RUN_JOBS_STATUS_WAIT:-10} gone_since="" started=$SECONDS next_note=300
  while :; do
    missing=0
    for i in "$@"; do [ -f "$sdir/$i" ] || missing=$((missing + 1)); done
    [ $missing = 0 ] && return 0
    if [ $((SECONDS - started)) -ge $next_note ]; then   # a sign of life on long waits
      echo "$prog: still waiting for Slurm job $jobid: $missing of $# tasks not finished after $((SECONDS - started)) s" >&2
      next_note=$((next_note * 2))
    fi
    if out=$(timeout 60 squeue -h -j "$jobid" -o %i 2>&1); then
      if [ -n "$out" ]; then gone_since=""; sleep "$poll"; continue; fi
    elif ! echo "$out" | grep -q 'Invalid job id'; then
      sleep "$poll"; continue     # controller busy or restarting: ask again
    fi
    [ -n "$gone_since" ] || gone_since=$(date +%s)
    [ $(( $(date +%s) - gone_since )) -ge "$grace" ] && return 0
    sleep 1
  done
}

if [ "$backend" = local ]; then
  [ $no_wait = 0 ] && [ -z "$after" ] || die_usage "--no-wait and --after need --backend slurm"
  run_local
else
  [ $no_wait = 1 ] && [ "$max_retries" -gt 0 ] && die_usage "--no-wait cannot retry failed jobs (drop --max-retries)"
  run_slurm
fi
