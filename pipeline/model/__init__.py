"""The model seam: the protocol and message types every stage uses, and the Anthropic Messages API client behind it. (README.md lists the modules.)"""
