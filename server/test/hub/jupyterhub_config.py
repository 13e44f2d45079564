"""A JupyterHub for Atelier's tests, on loopback, from the environment the tests set:

ATELIER_HUB_ROOT       its folder (database, cookie secret, the users' homes)
ATELIER_HUB_PORTS      public,hub,proxy-api ports
ATELIER_HUB_VENV       the virtual environment with jupyterhub and Atelier's wheel
ATELIER_HUB_CHP        configurable-http-proxy (from npm)
ATELIER_HUB_TOKEN      the token of the tests' service (admin of users, servers and tokens)
ATELIER_HUB_LOG_LEVEL  the Hub's and the servers' log level (default INFO)

Local users (any password), whose single-user servers run JupyterLab with Atelier. The Hub
offers three profiles, as KubeSpawner's profile_list; the spawner applies each profile's CPU
set (taskset) and memory limit (a cgroup) as KubeSpawner would its override, and "Broken"
cannot start. Atelier gets the list through ATELIER_HUB_PROFILES; the server role lets a
server's own token restart its server and issue its user a token, which a switch needs.
"""
import asyncio
import json
import os

from jupyterhub.spawner import SimpleLocalProcessSpawner

root = os.environ['ATELIER_HUB_ROOT']
venv = os.environ['ATELIER_HUB_VENV']
port, hub_port, api_port = (int(p) for p in os.environ['ATELIER_HUB_PORTS'].split(','))

PROFILES = [
    {'display_name': 'Small', 'slug': 'small', 'default': True, 'description': 'One CPU',
     'kubespawner_override': {'cpu_limit': 1, 'mem_limit': '1G'}},
    {'display_name': 'Large', 'slug': 'large', 'kubespawner_override': {'cpu_limit': 2, 'mem_limit': '2G'}},
    {'display_name': 'Broken', 'slug': 'broken', 'kubespawner_override': {'cpu_limit': 1, 'mem_limit': '1G'}},
]


def memory_cgroup(name):
    """A memory cgroup of this machine (v1 memory controller, else cgroup v2) and its limit file."""
    if os.path.exists('/sys/fs/cgroup/memory/memory.limit_in_bytes'):
        return os.path.join('/sys/fs/cgroup/memory', name), 'memory.limit_in_bytes'
    return os.path.join('/sys/fs/cgroup', name), 'memory.max'


class ProfileSpawner(SimpleLocalProcessSpawner):
    """Applies the chosen profile (user_options['profile']) as KubeSpawner would its override."""

    def _profile(self):
        slug = (self.user_options or {}).get('profile')
        return next((p for p in PROFILES if p['slug'] == slug), PROFILES[0])

    async def start(self):
        profile = self._profile()
        if profile['slug'] == 'broken':
            raise RuntimeError('the profile Broken has no image on this machine')
        override = profile['kubespawner_override']
        cpus = sorted(os.sched_getaffinity(0))[: override['cpu_limit']]
        self.cmd = ['taskset', '-c', ','.join(map(str, cpus)), os.path.join(venv, 'bin', 'jupyterhub-singleuser')]
        ip, port = await super().start()
        folder, limit = memory_cgroup(f'atelier-hub-test-{self.user.name}-{self.pid}')
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, limit), 'w') as f:
            f.write(str(int(override['mem_limit'][:-1]) * 1024 ** 3))
        with open(os.path.join(folder, 'cgroup.procs'), 'w') as f:
            f.write(str(self.pid))
        self._cgroup = folder
        return ip, port

    async def stop(self, now=False):
        await super().stop(now=now)
        folder = getattr(self, '_cgroup', None)
        for _ in range(50):
            try:
                if folder:
                    os.rmdir(folder)
                break
            except OSError:
                await asyncio.sleep(0.1)  # its last processes are still leaving


c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = port
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = hub_port
c.ConfigurableHTTPProxy.api_url = f'http://127.0.0.1:{api_port}'
c.ConfigurableHTTPProxy.command = [os.environ['ATELIER_HUB_CHP']]
c.JupyterHub.db_url = f'sqlite:///{root}/hub.sqlite'
c.JupyterHub.cookie_secret_file = f'{root}/cookie_secret'
c.JupyterHub.pid_file = f'{root}/hub.pid'
c.JupyterHub.authenticator_class = 'dummy'
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = ProfileSpawner
c.SimpleLocalProcessSpawner.home_dir_template = f'{root}/home/{{username}}'
log_level = os.environ.get('ATELIER_HUB_LOG_LEVEL', 'INFO')
c.JupyterHub.log_level = log_level
c.ConfigurableHTTPProxy.debug = False
c.Spawner.args = [f'--ServerApp.log_level={log_level}'] + (['--ServerApp.allow_root=True'] if os.getuid() == 0 else [])
c.Spawner.env_keep = ['LANG', 'LC_ALL', 'ATELIER_LOG_LEVEL']
c.Spawner.environment = {
    'PATH': f"{os.path.join(venv, 'bin')}:/usr/local/bin:/usr/bin:/bin",
    'ATELIER_HUB_PROFILES': json.dumps(PROFILES),
}
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.JupyterHub.services = [{'name': 'atelier-tests', 'api_token': os.environ['ATELIER_HUB_TOKEN']}]
c.JupyterHub.load_roles = [
    {'name': 'atelier-tests', 'scopes': ['admin:users', 'admin:servers', 'tokens', 'read:users', 'access:servers'], 'services': ['atelier-tests']},
    {'name': 'server', 'scopes': ['users:activity!user', 'access:servers!server', 'servers!user', 'tokens!user']},
]
