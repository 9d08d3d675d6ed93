"""The Vagrant/libvirt backend."""
