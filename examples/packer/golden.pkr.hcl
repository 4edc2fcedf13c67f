# The HCL2 twin of golden.json: each build is published by the shell-local post-processor,
# which Packer runs once per build with PACKER_BUILD_NAME / PACKER_RUN_UUID set.
variable "bucket" {
  type    = string
  default = "ubuntu-base"
}

variable "channel" {
  type    = string
  default = "dev"
}

source "null" "ubuntu" {
  communicator = "none"
}

build {
  sources = ["source.null.ubuntu"]

  post-processors {
    post-processor "manifest" {
      output     = "packer-manifest.json"
      strip_path = true
      custom_data = {
        os              = "ubuntu-22.04"
        source_image_id = "ami-04895f74eb055bfbd"
      }
    }
    post-processor "shell-local" {
      inline = ["gilt publish --bucket ${var.bucket} --channel ${var.channel} packer-manifest.json"]
    }
  }
}
