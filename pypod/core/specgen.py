"""The one writer of OCI runtime config.json.

Contract (implemented by the specgen helper): pure functions, no process starting.

    build_spec(config: ContainerConfig, *, rootfs: str, image_config: dict, userdata: str,
               run_dir: str, mounts: list[ResolvedMount], etc_files: dict[str, str],
               rootless: bool, id_mappings: IdMappings | None, cgroup: CgroupInfo,
               seccomp_json: dict | None, host_limits: dict[str, tuple[int, int]]) -> dict
    exec_process(config, base_spec: dict, *, args, env, user, workdir, tty, privileged) -> dict

ResolvedMount: a core.model.Mount whose source is an absolute host path (volumes and image
mounts already resolved by the engine).
"""
