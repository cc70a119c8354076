"""Request bodies of the Conversations API: conversations and their items, validated and normalized."""
